"""Alert ingestion endpoints (SPEC §6): plain CSRF-exempt Django views, kept lean.

Every bad request is answered before anything is written: wrong or disabled key 404
(PagerDuty: 400 as PagerDuty answers), body over 512 KiB 413, malformed JSON 400,
missing fields 400 naming them, bad Sentry signature 401. A database that is down or
overloaded answers 503 (Alertmanager retries 5xx but drops on 429).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from incidents.exceptions import NoActivePolicy
from incidents.integrations import changes, heartbeats, ingestion
from incidents.integrations.choices import AlertAction, IntegrationKind
from incidents.integrations.formats import (
    SENTRY_RESOURCES,
    PayloadError,
    parse_alertmanager,
    parse_pagerduty_change,
    parse_pagerduty_event,
    parse_sentry,
    parse_uptime,
)
from incidents.integrations.models import Integration, WebhookDelivery
from incidents.integrations.selectors import KEY_HEADER, integration_for_key
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


class Refused(Exception):
    def __init__(self, status: int, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.status, self.errors = status, errors


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


def _json(body: bytes) -> Any:
    """The decoded body, refused (400 naming the field) when it holds what cannot be stored."""
    try:
        document = storable.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, ["the body is not valid JSON"]) from None
    if problems := storable.document_problems(document):
        raise Refused(400, problems)
    return document


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
        body = _json(_raw_body(request))
        key = _routing_key(body)
        event = parse_pagerduty_event(body)
    except Refused as exc:
        return _pd_invalid(exc.errors, exc.status)
    except PayloadError as exc:
        return _pd_invalid(exc.errors)
    try:
        if event.action == AlertAction.TRIGGER:
            result = ingestion.trigger_alert(key=key, kind=IntegrationKind.PAGERDUTY, event=event)
            if result is None:
                return _pd_invalid(["Invalid routing key"])
        else:
            integration = integration_for_key(key, IntegrationKind.PAGERDUTY)
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
        body = _json(_raw_body(request))
        key = _routing_key(body)
        change = parse_pagerduty_change(body)
    except Refused as exc:
        return _pd_invalid(exc.errors, exc.status)
    except PayloadError as exc:
        return _pd_invalid(exc.errors)
    integration = integration_for_key(key, IntegrationKind.PAGERDUTY)
    if integration is None:
        return _pd_invalid(["Invalid routing key"])
    try:
        changes.record_change(integration=integration, change=change)
    except DatabaseError as exc:
        return _unavailable(exc)
    return JsonResponse({"status": "success", "message": "Change event processed"}, status=202)


# --- Keyed webhooks (Alertmanager, Sentry, Uptime Kuma, heartbeats) -----------------------


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


def _receive(
    request: HttpRequest,
    key: str | None,
    kind: str,
    parse: Callable[[HttpRequest, Integration, bytes], list[Any] | HttpResponse],
    *,
    request_id: str = "",
) -> HttpResponse:
    """The common path of the keyed webhooks: body, key, parse, then apply.

    `parse` may raise Refused/PayloadError or answer early with a response; every
    refusal is answered before anything is written.
    """
    try:
        body = _raw_body(request)
        integration = integration_for_key(_key_of(request, key), kind)
        if integration is None:
            return _not_found()
        parsed = parse(request, integration, body)
    except Refused as exc:
        return _refused(exc)
    except PayloadError as exc:
        return JsonResponse({"status": "error", "errors": exc.errors}, status=400)
    except DatabaseError as exc:
        return _unavailable(exc)
    if isinstance(parsed, HttpResponse):
        return parsed
    return _apply(integration, parsed, request_id=request_id)


@endpoint("POST")
def alertmanager_webhook(request: HttpRequest, key: str | None = None) -> HttpResponse:
    return _receive(
        request,
        key,
        IntegrationKind.ALERTMANAGER,
        lambda _r, _i, body: parse_alertmanager(_json(body)),
    )


def _sentry_signature_ok(integration: Integration, body: bytes, signature: str) -> bool:
    if not integration.client_secret or not signature:
        return False
    expected = hmac.new(integration.client_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def _parse_sentry(
    request: HttpRequest, integration: Integration, body: bytes
) -> list[Any] | HttpResponse:
    if not _sentry_signature_ok(
        integration, body, request.headers.get("Sentry-Hook-Signature", "")
    ):
        raise Refused(401, ["Sentry-Hook-Signature does not match the body and the client secret"])
    resource = request.headers.get("Sentry-Hook-Resource", "")
    if not resource:
        raise Refused(400, ["Sentry-Hook-Resource header is missing"])
    payload = _json(body)
    if resource not in SENTRY_RESOURCES:
        return JsonResponse({"status": "success", "alerts": 0, "ignored": resource})
    return parse_sentry(resource, payload)


@endpoint("POST")
def sentry_webhook(request: HttpRequest, key: str | None = None) -> HttpResponse:
    return _receive(
        request,
        key,
        IntegrationKind.SENTRY,
        _parse_sentry,
        # Hashed, not cut, when long: two deliveries sharing a prefix stay distinct.
        request_id=storable.bounded_identifier(
            request.headers.get("Request-ID", ""), WebhookDelivery.REQUEST_ID_MAX
        ),
    )


@endpoint("POST")
def uptime_webhook(request: HttpRequest, key: str | None = None) -> HttpResponse:
    return _receive(
        request, key, IntegrationKind.UPTIME, lambda _r, _i, body: parse_uptime(_json(body))
    )


@endpoint("GET", "POST", "HEAD")
def heartbeat_ping(request: HttpRequest, key: str | None = None) -> HttpResponse:
    try:
        _raw_body(request)
        integration = integration_for_key(_key_of(request, key), IntegrationKind.HEARTBEAT)
        if integration is None:
            return _not_found()
        result = heartbeats.record_ping(integration=integration)
    except Refused as exc:
        return _refused(exc)
    except DatabaseError as exc:
        return _unavailable(exc)
    return JsonResponse({"status": "success", "resolved": result.outcome == "resolved"})
