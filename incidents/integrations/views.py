"""Alert ingestion endpoints (SPEC §6): plain CSRF-exempt Django views, kept lean.

Every bad request is answered before anything is written: wrong or disabled key 404
(PagerDuty: 400 as PagerDuty answers), body over 512 KiB 413, malformed JSON 400,
missing fields 400 naming them, bad Sentry signature 401. A database that is down or
overloaded answers 503 (Alertmanager retries 5xx but drops on 429).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from incidents.exceptions import NoActivePolicy
from incidents.integrations import changes, heartbeats, ingestion
from incidents.integrations.choices import AlertAction
from incidents.integrations.formats import PayloadError, Refused, decode_json
from incidents.integrations.models import Integration, WebhookDelivery
from incidents.integrations.selectors import KEY_HEADER, integration_for_key
from incidents.integrations.sources import AlertSource, WebhookRequest, heartbeat, pagerduty
from portal.kernel import storable
from portal.kernel.errors import DomainError

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 512 * 1024


def endpoint(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """CSRF-exempt, `methods` only (405 otherwise), and the key kept out of the logs.

    Django logs every 4xx/5xx with its path, and keyed endpoints carry the key in the
    path: refusals are logged here without it, and the response marked as logged.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response: HttpResponse = HttpResponseNotAllowed(methods)
            else:
                response = view(request, *args, **kwargs)
            if response.status_code >= 400:
                logger.info("%s refused with %s", view.__name__, response.status_code)
                response._has_been_logged = True  # type: ignore[attr-defined]
            return response

        return csrf_exempt(wrapper)

    return decorate


def _raw_body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise Refused(413, [f"the body is larger than {MAX_BODY_BYTES // 1024} KiB"])
    try:
        body = request.body
    except RequestDataTooBig:
        raise Refused(413, [f"the body is larger than {MAX_BODY_BYTES // 1024} KiB"]) from None
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, [f"the body is larger than {MAX_BODY_BYTES // 1024} KiB"])
    return body


def _unavailable(exc: Exception) -> JsonResponse:
    logger.warning(
        "alert ingestion unavailable: %s: %s", type(exc).__name__, str(exc).splitlines()[:1]
    )
    message = (
        exc.message if isinstance(exc, DomainError) else "The portal is overloaded; retry later."
    )
    response = JsonResponse({"status": "unavailable", "message": message}, status=503)
    response["Retry-After"] = "30"
    return response


# --- PagerDuty Events API v2 -----------------------------------------------------------


def _pd_invalid(errors: list[str], status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
        status=status,
    )


def _routing_key(body: Any) -> str:
    key = body.get("routing_key") if isinstance(body, dict) else None
    if not isinstance(key, str) or not key:
        raise Refused(400, ["routing_key is missing"])
    return key


@endpoint("POST")
def pagerduty_enqueue(request: HttpRequest) -> HttpResponse:
    try:
        body = decode_json(_raw_body(request))
        key = _routing_key(body)
        event = pagerduty.parse_event(body)
    except Refused as exc:
        # PagerDuty answers every invalid event, an oversize one included, with 400.
        return _pd_invalid(exc.errors)
    except PayloadError as exc:
        return _pd_invalid(exc.errors)
    try:
        if event.action == AlertAction.TRIGGER:
            result = ingestion.trigger_alert(key=key, kind=pagerduty.KIND, event=event)
            if result is None:
                return _pd_invalid(["Invalid routing key"])
        else:
            integration = integration_for_key(key, pagerduty.KIND)
            if integration is None:
                return _pd_invalid(["Invalid routing key"])
            ingestion.apply_events(integration=integration, events_=[event])
    except NoActivePolicy as exc:
        return _unavailable(exc)
    except DomainError as exc:
        return _pd_invalid([f"{exc.field}: {exc.message}" if exc.field else exc.message])
    except DatabaseError as exc:
        return _unavailable(exc)
    return JsonResponse(
        {"status": "success", "message": "Event processed", "dedup_key": event.dedup_key},
        status=202,
    )


@endpoint("POST")
def pagerduty_change_enqueue(request: HttpRequest) -> HttpResponse:
    try:
        body = decode_json(_raw_body(request))
        key = _routing_key(body)
        change = pagerduty.parse_change(body)
    except Refused as exc:
        return _pd_invalid(exc.errors)
    except PayloadError as exc:
        return _pd_invalid(exc.errors)
    integration = integration_for_key(key, pagerduty.KIND)
    if integration is None:
        return _pd_invalid(["Invalid routing key"])
    try:
        changes.record_change(integration=integration, change=change)
    except DatabaseError as exc:
        return _unavailable(exc)
    return JsonResponse({"status": "success", "message": "Change event processed"}, status=202)


# --- Keyed webhooks (every source with a parser, and heartbeats) ---------------------------


def _key_of(request: HttpRequest, key: str | None) -> str:
    """The key from the URL, else from `Authorization: Bearer <key>` or the X-Integration-Key header."""
    if key:
        return key
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get(KEY_HEADER, "").strip()


def _refused(exc: Refused) -> JsonResponse:
    return JsonResponse({"status": "error", "errors": exc.errors}, status=exc.status)


def _not_found() -> JsonResponse:
    return JsonResponse(
        {"status": "error", "errors": ["unknown or disabled integration key"]}, status=404
    )


def _apply(integration: Integration, events_: list[Any], request_id: str = "") -> JsonResponse:
    try:
        results = ingestion.receive_events(
            integration=integration, events_=events_, request_id=request_id
        )
    except NoActivePolicy as exc:
        return _unavailable(exc)
    except DomainError as exc:
        return JsonResponse(
            {"status": "error", "errors": [f"{exc.field}: {exc.message}"]}, status=400
        )
    except DatabaseError as exc:
        return _unavailable(exc)
    if results is None:
        return JsonResponse({"status": "success", "duplicate": True, "alerts": 0})
    return JsonResponse(
        {
            "status": "success",
            "alerts": len(results),
            "results": [{"dedup_key": r.dedup_key, "outcome": r.outcome} for r in results],
        }
    )


def webhook(request: HttpRequest, source: AlertSource, key: str | None = None) -> HttpResponse:
    """The keyed webhooks of every parsing source: body, key, verify and parse, then apply.

    Every refusal is answered before anything is written."""
    parse = source.parse
    if parse is None:  # the URLconf routes only parsing sources here
        return _not_found()
    request_id = ""
    if source.delivery_id_header:
        # Hashed, not cut, when long: two deliveries sharing a prefix stay distinct.
        request_id = storable.bounded_identifier(
            request.headers.get(source.delivery_id_header, ""), WebhookDelivery.REQUEST_ID_MAX
        )
    try:
        body = _raw_body(request)
        integration = integration_for_key(_key_of(request, key), source.kind)
        if integration is None:
            return _not_found()
        events_ = parse(
            WebhookRequest(
                body=body, headers=request.headers, client_secret=integration.client_secret
            )
        )
    except Refused as exc:
        return _refused(exc)
    except PayloadError as exc:
        return JsonResponse({"status": "error", "errors": exc.errors}, status=400)
    except DatabaseError as exc:
        return _unavailable(exc)
    return _apply(integration, events_, request_id=request_id)


def source_view(source: AlertSource) -> Callable[..., HttpResponse]:
    """The view of one parsing source's URLs (its methods only, CSRF-exempt, key unlogged)."""

    def view(request: HttpRequest, key: str | None = None) -> HttpResponse:
        return webhook(request, source, key)

    view.__name__ = f"{source.kind}_webhook"
    return endpoint(*source.methods)(view)


@endpoint("GET", "POST", "HEAD")
def heartbeat_ping(request: HttpRequest, key: str | None = None) -> HttpResponse:
    try:
        _raw_body(request)
        integration = integration_for_key(_key_of(request, key), heartbeat.KIND)
        if integration is None:
            return _not_found()
        result = heartbeats.record_ping(integration=integration)
    except Refused as exc:
        return _refused(exc)
    except DatabaseError as exc:
        return _unavailable(exc)
    return JsonResponse({"status": "success", "resolved": result.outcome == "resolved"})
