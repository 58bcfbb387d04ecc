"""Access-log redaction for gunicorn: secrets in URLs never reach a log (SPEC §12).

Keyed ingestion endpoints, iCal feeds, acknowledge links and subscription links
carry a secret in the path. gunicorn logs the request line, the path and every
request header (`{authorization}i`, `{x-integration-key}i`) when a format asks for
them; this logger rewrites all of those before any format sees them.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[redacted]"

# Secret-bearing URLs that are not alert sources; the alert sources' keyed URLs come from
# their registry, so a new source is redacted without an edit here.
OTHER_SECRET_PREFIXES = (
    "/oncall/ical/",
    "/oncall/ack/",
    "/status/subscribe/confirm/",
    "/status/unsubscribe/",
)


@functools.cache
def secret_in_path() -> re.Pattern[str]:
    from incidents.integrations.sources import keyed_url_prefixes

    prefixes = (*keyed_url_prefixes(), *OTHER_SECRET_PREFIXES)
    return re.compile("(" + "|".join(re.escape(p) for p in prefixes) + r")[^/?#\s]+")


SECRET_HEADERS = ("{authorization}i", "{x-integration-key}i", "{cookie}i")
SECRET_ENVIRON = ("{http_authorization}e", "{http_x_integration_key}e", "{http_cookie}e")


def redact_path(text: str) -> str:
    """`/integrations/alertmanager/<key>/` → `/integrations/alertmanager/[redacted]/` (and the like)."""
    return secret_in_path().sub(lambda m: m.group(1) + REDACTED, text)


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U", "{raw_uri}e", "{path_info}e", "{request_uri}e", "f", "{referer}i"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_path(atoms[name])
        for name in (*SECRET_HEADERS, *SECRET_ENVIRON):
            if atoms.get(name):
                atoms[name] = REDACTED
        return atoms
