"""Settings for the incident portal, read from the environment (django-environ).

Every variable is documented in README.md ("Configuration"). Behaviour switches by
variables, never by per-stage settings files.
"""

import ipaddress
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` is optional; the process environment always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless asked for: a deployment that forgets the variable gets production
# defaults, and refuses to start without a SECRET_KEY. `make run`, `make test` and
# pytest (tests/environment.py) turn it on.
DEBUG = env.bool("DEBUG", default=False)

# The development key is only reachable by turning DEBUG on explicitly.
_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdefghijklmnop"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (50+ random characters); "
        "for local work set DEBUG=1 (make run and make test do)"
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute base URL used in links sent out of the portal (notifications, feeds, emails).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
PORTAL_NAME = env.str("PORTAL_NAME", default="Incident portal")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "csp",
    "django_q",
    # Before "portal.access": the portal replaces axes' admin of access attempts with its own.
    "axes",
    "portal.access",
    "portal.notifications",
    "portal.audit",
    "portal.project.reports",
    "incidents",
    "incidents.oncall",
    "incidents.integrations",
    "incidents.comms",
    "incidents.slack",
    "postmortems",
    "postmortems.tickets",
    "drills",
    # The top floor: project-wide commands (setup_schedules) that import every app.
    "portal.project",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL in the URL is a 400 naming the parameter, before any lookup (PostgreSQL errors on it).
    "portal.kernel.storable_middleware.RefuseUnstorableUrl",
    # Alert senders (keyed, no session): their endpoints skip the rest of the chain.
    "incidents.integrations.middleware.IngestionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The public status pages' rendered answers, before sessions/CSRF/auth (no query per hit).
    "incidents.comms.rendered_pages.RenderedPageCache",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Who did it: web requests set the audit actor (user, or the API token).
    "portal.audit.middleware.AuditContextMiddleware",
    # Last, as axes requires: turns a locked-out login into its refusal page.
    "axes.middleware.AxesMiddleware",
]

# --- Login throttling (django-axes): per username and per client address, separately.
AUTHENTICATION_BACKENDS = [
    "portal.access.lockouts.RequestLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# 0: locked until a founder unlocks it in the admin; N: also unlocked after N hours.
_lockout_hours = env.int("LOGIN_LOCKOUT_HOURS", default=0)
AXES_COOLOFF_TIME = _lockout_hours or None
# One lockout notice (audit entry + founders' message) per locked address or username
# per this many minutes (issue 24: a flood made 60 of each in a second).
LOGIN_LOCKOUT_NOTICE_MINUTES = env.int("LOGIN_LOCKOUT_NOTICE_MINUTES", default=15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = None
AXES_VERBOSE = False
# Behind a proxy, the client address is the last X-Forwarded-For hop the proxy adds.
AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    if env.int("TRUSTED_PROXY_COUNT", default=0)
    else ["REMOTE_ADDR"]
)

ROOT_URLCONF = "portal.project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

# The SQLite file's folder is made by manage.py, not here: importing settings writes nothing.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'portal.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes;
    # IMMEDIATE makes writers queue on the lock instead of failing on upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # Off by default: the check costs a round trip per request (it doubles the
    # database work of a repeated alert); turn it on behind flaky networks/poolers.
    DATABASES["default"].setdefault(
        "CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=False)
    )
    # Prepared statements are used only by server-side-binding cursors, which only alert
    # ingestion's two hot statements open (incidents/integrations/upsert.py; Django's own
    # cursors bind client-side): planning once halves the database CPU of a repeated
    # alert. Turn off behind a pooler that cannot keep them (PgBouncer < 1.21 in
    # transaction mode): DB_PREPARED_STATEMENTS=0.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "prepare_threshold", 5 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Stored and computed in UTC; business time zones live in the policy's calendar.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The project's own files (the admin's shared script and style, the favicon), beside
# portal/templates; each app's files stay in its own static/ folder.
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
# `collectstatic` makes it; with DEBUG on WhiteNoise reads the apps' folders instead.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Status-page subscriptions one client (address) may request per hour; each email
# address gets at most one confirmation mail a day anyway.
SUBSCRIBE_PER_CLIENT_PER_HOUR = env.int("SUBSCRIBE_PER_CLIENT_PER_HOUR", default=5)
# Throttle counters must be shared by all web workers: the database cache by default
# (`manage.py createcachetable`, run by `make setup`), any Django cache URL by THROTTLE_CACHE_URL.
# The public status pages' data and rendered answers, shared by every process (the
# publishing one bumps their generation): a file cache under var/ by default (no
# database query per hit), any Django cache URL by STATUS_CACHE_URL (e.g.
# redis://127.0.0.1:6379/1 with the `redis` package installed).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": env.cache_url("THROTTLE_CACHE_URL", default="dbcache://portal_throttle_cache"),
    # The paging engine's heartbeats, read by /api/health from any process.
    "engine": env.cache_url(
        "ENGINE_HEARTBEAT_CACHE_URL", default="dbcache://portal_engine_heartbeat"
    ),
    # The public status pages, rendered once for every process (incidents/comms).
    "status": env.cache_url(
        "STATUS_CACHE_URL", default=f"filecache://{BASE_DIR / 'var' / 'status-cache'}"
    ),
}

# --- Email: console by default, SMTP (or anything django-environ knows) by EMAIL_URL.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="incidents@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Reply-To of customer email (status updates, comms): customer templates say "reply to
# this email", so replies must reach a person. Blank: replies go to DEFAULT_FROM_EMAIL.
CUSTOMER_REPLY_TO = env.str("CUSTOMER_REPLY_TO", default="")

# --- Security: strict by default in production (DEBUG=0), each switch overridable.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False)
    else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from the portal itself (no inline
# script anywhere); inline style attributes are allowed (the admin templates use them).
# The API docs page adds the Swagger UI CDN for itself only (portal/project/api_urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.access.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "portal.access.api.permissions.IsAuthenticatedTokenScope",
        "portal.audit.permissions.AuditorsReadOnly",
        # Model permissions and the role groups decide, as in the admin.
        "portal.access.api.permissions.FollowsModelPermissions",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.kernel.api.pagination.BoundedLimitOffsetPagination",
    "DEFAULT_PARSER_CLASSES": [
        "portal.kernel.api.parsers.StorableJSONParser",
        "portal.kernel.api.parsers.StorableFormParser",
        "portal.kernel.api.parsers.StorableMultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.kernel.api.exceptions.domain_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Incident portal API",
    "DESCRIPTION": "Incidents, policy, on-call and reports. Token auth: `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.kernel.api.schema.document_error_responses",
    ],
    # One schema enum per choice set that several endpoints share.
    "ENUM_NAME_OVERRIDES": {
        "DetectionSourceEnum": "incidents.choices.DetectionSource",
        "IncidentStatusEnum": "incidents.choices.IncidentStatus",
        "EnvironmentEnum": "incidents.choices.Environment",
        "DrillStatusEnum": "drills.choices.DrillStatus",
        "CommsTemplateKindEnum": "incidents.comms.choices.TemplateKind",
        "ContactKindEnum": "incidents.oncall.choices.ContactKind",
    },
}

# --- Task queue (django-q2). ORM broker by default: nothing else to install.
_redis_url = env.str("Q_REDIS_URL", default="")
Q_CLUSTER = {
    "name": "portal",
    "workers": env.int("Q_WORKERS", default=2),
    # retry must exceed timeout, or a slow task runs twice while still running.
    "timeout": env.int("Q_TIMEOUT", default=60),
    "retry": env.int("Q_RETRY", default=90),
    "catch_up": False,
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=5),
    "ack_failures": False,
    "save_limit": 1000,
    "poll": env.float("Q_POLL", default=1.0),
    "label": "Task queue",
}
if _redis_url:
    Q_CLUSTER["redis"] = _redis_url
else:
    Q_CLUSTER["orm"] = "default"

# --- Paging engine and outbox (seconds)
# A message "sending" longer than this (its worker was killed mid-delivery) goes back
# to pending and is sent again: keep it above the slowest provider call.
NOTIFY_SENDING_TIMEOUT_SECONDS = env.int("NOTIFY_SENDING_TIMEOUT_SECONDS", default=60)
# `manage.py engine` cycle: due escalation steps, missed deadlines and outbox retries.
ENGINE_INTERVAL_SECONDS = env.float("ENGINE_INTERVAL_SECONDS", default=1.0)
# An engine loop silent longer than this makes /api/health answer 503 and the board say so.
ENGINE_STALE_SECONDS = env.float("ENGINE_STALE_SECONDS", default=60.0)
# Due work (an unopened alert, an escalation step, a notification, an outbox message)
# older than this makes /api/health answer 503: a loop can beat and still fall behind.
PAGER_LAG_SECONDS = env.float("PAGER_LAG_SECONDS", default=60.0)
# A comms deadline a playbook writes as "immediately" (004's "#ops immediately") is due
# this many minutes after its start, so a message nobody posts is flagged.
COMMS_IMMEDIATE_MINUTES = env.int("COMMS_IMMEDIATE_MINUTES", default=10)

# The dead man's switch: the engine GETs this URL every DEADMAN_EVERY_SECONDS while the
# pager is healthy, so an outside monitor alarms when the pings stop.
DEADMAN_URL = env.str("DEADMAN_URL", default="")
DEADMAN_EVERY_SECONDS = env.float("DEADMAN_EVERY_SECONDS", default=60.0)

# --- /metrics (Prometheus): a bearer token, or the scraper's address in the allow-list.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
try:
    METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(net.strip(), strict=False)
        for net in env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
        if net.strip()
    ]
except ValueError as exc:
    raise environ.ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}") from None
# Where a first trigger's incident is declared (incidents/integrations/opening.py):
# "engine" (answer 202 once the alert is stored; the paging engine declares it) or
# "inline" (the request declares it before answering).
ALERT_OPENING = env.str("ALERT_OPENING", default="engine")
if ALERT_OPENING not in ("engine", "inline"):
    raise environ.ImproperlyConfigured("ALERT_OPENING must be 'engine' or 'inline'.")
# Pushover (channel kind "pushover"): its API base URL (tests point it at a local
# stand-in), the emergency retry/expire of a page, and how often a receipt is polled
# (Pushover asks for no more than one poll per receipt every 5 seconds).
PUSHOVER_API_URL = env.str("PUSHOVER_API_URL", default="https://api.pushover.net")
PUSHOVER_RETRY_SECONDS = env.int("PUSHOVER_RETRY_SECONDS", default=60)
PUSHOVER_EXPIRE_SECONDS = env.int("PUSHOVER_EXPIRE_SECONDS", default=3600)
PUSHOVER_RECEIPT_POLL_SECONDS = env.int("PUSHOVER_RECEIPT_POLL_SECONDS", default=10)
# Phones (kinds "phone_sms" and "phone_call", docs/notifications.md): Twilio's REST API
# 2010-04-01 carries SMS and calls; Telnyx's Messaging API v2 carries an SMS when Twilio
# refuses or cannot be reached. The API URLs are base URLs (tests point them at local
# stand-ins). Twilio signs its webhooks with the auth token against PORTAL_BASE_URL + path;
# Telnyx signs its webhooks with Ed25519, checked against the account's public key.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_URL = env.str("TWILIO_API_URL", default="https://api.twilio.com").rstrip("/")
TELNYX_API_KEY = env.str("TELNYX_API_KEY", default="")
TELNYX_FROM_NUMBER = env.str("TELNYX_FROM_NUMBER", default="")
TELNYX_API_URL = env.str("TELNYX_API_URL", default="https://api.telnyx.com").rstrip("/")
# Mission Control → Keys & Credentials → Public Key (base64); unset: every Telnyx webhook
# (replies to SMS Telnyx carried, its delivery receipts) is refused.
TELNYX_PUBLIC_KEY = env.str("TELNYX_PUBLIC_KEY", default="")
# At most this many SMS to one number per minute; past it, one summary SMS.
PHONE_MAX_PER_MINUTE = env.int("PHONE_MAX_PER_MINUTE", default=5)
# A channel's test send (API, `manage.py channel test`) refuses a target whose server is
# on this machine or a private network (it would report how that server answers) unless
# this is on: for a chat server on the private network, or local stand-ins.
CHANNEL_TEST_PRIVATE_TARGETS = env.bool("CHANNEL_TEST_PRIVATE_TARGETS", default=False)

# --- Tuning knobs (README "Configuration").
# Status page: how long a rendered public page is served from the cache.
STATUS_PAGE_CACHE_SECONDS = env.int("STATUS_PAGE_CACHE_SECONDS", default=30)
# What the public pages tell browsers, proxies and CDNs: keep a copy this many seconds,
# and serve it this many more while fetching a fresh one (stale-while-revalidate).
STATUS_PAGE_MAX_AGE = env.int("STATUS_PAGE_MAX_AGE", default=10)
STATUS_PAGE_STALE_SECONDS = env.int("STATUS_PAGE_STALE_SECONDS", default=30)
# Outbox: attempts before a message is given up (it then shows as failed in the admin).
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=10)
# Sweeper and paging engine: rows claimed per batch, and batches per kind per run.
SWEEP_BATCH_SIZE = env.int("SWEEP_BATCH_SIZE", default=200)
SWEEP_MAX_BATCHES = env.int("SWEEP_MAX_BATCHES", default=5)
# One-click acknowledge links in pages expire after this many hours.
ONCALL_ACK_LINK_MAX_AGE_HOURS = env.int("ONCALL_ACK_LINK_MAX_AGE_HOURS", default=24)
# Action-item owners are reminded this many days before the due date.
POSTMORTEM_REMINDER_DAYS_BEFORE = env.int("POSTMORTEM_REMINDER_DAYS_BEFORE", default=2)
# A drill's draw never repeats the scenarios of the last N drills.
DRILL_NO_REPEAT_LAST = env.int("DRILL_NO_REPEAT_LAST", default=3)
# The facilitator is reminded this many days before a planned drill.
DRILL_REMINDER_DAYS = env.int("DRILL_REMINDER_DAYS", default=7)
# Weekly security audit thresholds (docs/audit.md).
AUDIT_MASS_DELETE_THRESHOLD = env.int("AUDIT_MASS_DELETE_THRESHOLD", default=20)
AUDIT_FAILED_LOGIN_THRESHOLD = env.int("AUDIT_FAILED_LOGIN_THRESHOLD", default=5)
AUDIT_FAILED_LOGIN_SEVERE = env.int("AUDIT_FAILED_LOGIN_SEVERE", default=50)
AUDIT_LOGIN_HISTORY_MIN = env.int("AUDIT_LOGIN_HISTORY_MIN", default=10)
# More `app_label.model` names the audit safety net leaves out (portal/audit/receivers.py).
AUDIT_EXCLUDED_MODELS = env.list("AUDIT_EXCLUDED_MODELS", default=[])
# Level code of the incident a severe security finding opens; empty: the rank-2 level.
SECURITY_AUDIT_SEVERITY = env.str("SECURITY_AUDIT_SEVERITY", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The carriers' libraries log every request's headers and URL at INFO (ten lines
        # per SMS); the outbox logs failures itself.
        "twilio.http_client": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}

# --- Importing from the on-call tool being replaced (`manage.py migrate_oncall`)
# A read-only key of that tool, used when `--api-key` is not given (docs/migration.md).
ONCALL_MIGRATION_API_KEY = env.str("ONCALL_MIGRATION_API_KEY", default="")
