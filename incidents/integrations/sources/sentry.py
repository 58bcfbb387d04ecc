"""Sentry's integration platform webhooks, verified by `Sentry-Hook-Signature`.

Reference: https://docs.sentry.io/organization/integrations/integration-platform/webhooks/
(headers `Sentry-Hook-Resource`, `Sentry-Hook-Signature` = HMAC-SHA256 of the body with
the client secret, `Request-ID`; resources `event_alert`, `metric_alert`, `issue`).
`event_alert` and `issue` are keyed by the Sentry issue; `metric_alert` by its alert.
Resources that carry no alert (installation, comment, error…) and issue actions that
change nothing here (assigned) yield no events.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from incidents.choices import DetectionSource
from incidents.integrations import formats
from incidents.integrations.choices import AlertAction
from incidents.integrations.formats import AlertEvent, PayloadError, Refused
from incidents.integrations.sources import AlertSource, WebhookRequest

KIND = "sentry"
RESOURCES = ("event_alert", "metric_alert", "issue")
_LEVELS = {
    "fatal": "critical",
    "error": "error",
    "warning": "warning",
    "info": "info",
    "debug": "info",
}


def _level(level: Any) -> str:
    return _LEVELS.get(formats.clean_text(level).lower(), "")


def signature_ok(client_secret: str, body: bytes, signature: str) -> bool:
    if not client_secret or not signature:
        return False
    expected = hmac.new(client_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def parse_resource(resource: str, body: Any) -> list[AlertEvent]:
    message = formats.as_object(body)
    action = formats.clean_text(message.get("action"))
    data = message.get("data")
    if not action:
        raise PayloadError(["action is missing"])
    if not isinstance(data, dict):
        raise PayloadError(["data is missing or not an object"])
    if resource == "event_alert":
        event = data.get("event")
        if not isinstance(event, dict) or event.get("issue_id") in (None, ""):
            raise PayloadError(["data.event.issue_id is missing"])
        issue_id = formats.identifier(event.get("issue_id"))
        if issue_id is None:
            raise PayloadError(["data.event.issue_id must be a string or an integer"])
        title = (
            formats.clean_text(event.get("title"))
            or formats.clean_text(data.get("triggered_rule"))
            or "Sentry event alert"
        )
        key = formats.bounded_key(f"sentry-issue-{issue_id}")
        summary = title[: formats.MAX_SUMMARY]
        return [AlertEvent(AlertAction.TRIGGER, key, summary, _level(event.get("level")), message)]
    if resource == "issue":
        issue = data.get("issue")
        if not isinstance(issue, dict) or issue.get("id") in (None, ""):
            raise PayloadError(["data.issue.id is missing"])
        issue_id = formats.identifier(issue.get("id"))
        if issue_id is None:
            raise PayloadError(["data.issue.id must be a string or an integer"])
        summary = (formats.clean_text(issue.get("title")) or "Sentry issue")[: formats.MAX_SUMMARY]
        key = formats.bounded_key(f"sentry-issue-{issue_id}")
        if action in ("created", "unresolved"):
            return [
                AlertEvent(AlertAction.TRIGGER, key, summary, _level(issue.get("level")), message)
            ]
        if action in ("resolved", "archived", "ignored"):
            return [AlertEvent(AlertAction.RESOLVE, key, summary, document=message)]
        return []
    if resource == "metric_alert":
        metric = data.get("metric_alert")
        if not isinstance(metric, dict) or metric.get("id") in (None, ""):
            raise PayloadError(["data.metric_alert.id is missing"])
        metric_id = formats.identifier(metric.get("id"))
        if metric_id is None:
            raise PayloadError(["data.metric_alert.id must be a string or an integer"])
        title = (
            formats.clean_text(data.get("description_title"))
            or formats.clean_text(metric.get("title"))
            or "Sentry metric alert"
        )
        key = formats.bounded_key(f"sentry-metric-{metric_id}")
        summary = title[: formats.MAX_SUMMARY]
        if action in ("critical", "warning"):
            return [AlertEvent(AlertAction.TRIGGER, key, summary, action, message)]
        if action == "resolved":
            return [AlertEvent(AlertAction.RESOLVE, key, summary, document=message)]
        raise PayloadError(["action must be critical, warning or resolved"])
    return []


def parse(request: WebhookRequest) -> list[AlertEvent]:
    if not signature_ok(
        request.client_secret, request.body, request.headers.get("Sentry-Hook-Signature", "")
    ):
        raise Refused(401, ["Sentry-Hook-Signature does not match the body and the client secret"])
    resource = request.headers.get("Sentry-Hook-Resource", "")
    if not resource:
        raise Refused(400, ["Sentry-Hook-Resource header is missing"])
    payload = formats.decode_json(request.body)
    if resource not in RESOURCES:
        return []  # installation, comment…: answered, nothing to apply
    return parse_resource(resource, payload)


SOURCE = AlertSource(
    kind=KIND,
    label="Sentry",
    detection_source=DetectionSource.ERROR_TRACKER,
    position=30,
    sender_setup=(
        "Sentry → Settings → Developer Settings → internal integration: webhook URL = the "
        "endpoint, Alert Rule Action on, resources issue; paste its client secret here."
    ),
    parse=parse,
    needs_client_secret=True,
    delivery_id_header="Request-ID",
    example={
        "action": "triggered",
        "data": {
            "event": {"issue_id": "1170820242", "title": "ZeroDivisionError", "level": "error"}
        },
    },
)
