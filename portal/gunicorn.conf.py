"""gunicorn settings for production: `gunicorn -c portal/gunicorn.conf.py`.

Access logs go to stdout with every secret in a URL or header redacted
(portal.project.access_log). Each value can be overridden on the command line or
with GUNICORN_CMD_ARGS; the listed environment variables are read here.
"""

import os

wsgi_app = "portal.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Requests slower than this are killed: ingestion answers in milliseconds, exports stream.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = "-"
errorlog = "-"
logger_class = "portal.project.access_log.RedactingLogger"
# A proxy in front (nginx, Caddy) sets X-Forwarded-For; log the client, not the proxy.
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
)
