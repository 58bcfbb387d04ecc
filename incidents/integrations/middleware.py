"""The ingestion fast path: alert senders skip the middleware that serves people.

A sender (Prometheus, Sentry, a PagerDuty client, a cron's heartbeat) authenticates
with its integration key. It has no session, no cookie, no CSRF token, no messages and
no static files, and its audit actor is the integration, never the request's user
(`incidents.integrations.ingestion`). Yet each of those middleware ran on every alert:
together about 0.2 ms of CPU of the ~1.2 ms a repeated trigger cost in the worker,
measured in-process on the alert storm (`bench/alert_storm.py`).

Placed right after `SecurityMiddleware` (so HTTPS redirects and HSTS still apply), this
middleware answers the ingestion endpoints (the `integrations` URL namespace) by
calling their view directly; every other request goes down the usual chain. The views
are CSRF-exempt, take no user, and catch their own errors (503 when the database is
unavailable); anything they raise still reaches Django's exception handling. The
answer gets its Content-Length here, as CommonMiddleware would give it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

PREFIX = "/integrations/"
NAMESPACE = "integrations"


class IngestionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:  # the usual chain answers it (a 404, or a slash appended)
            return self.get_response(request)
        if NAMESPACE not in match.namespaces:
            return self.get_response(request)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        # As CommonMiddleware would: a length lets the server keep the connection open
        # without chunked encoding, which senders' simple HTTP clients may not speak.
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response
