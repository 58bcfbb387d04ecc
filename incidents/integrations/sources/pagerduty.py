"""PagerDuty Events API v2: the routing key travels in the body, not the URL.

Reference: https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ (event
fields, `payload.severity` critical/error/warning/info, `dedup_key`) and
https://developer.pagerduty.com/docs/events-api-v2/send-change-events/ (change events).
Answered by its own views (`pagerduty_enqueue`, `pagerduty_change_enqueue`), with
PagerDuty's own response shapes, so PagerDuty's client libraries work unchanged.
"""

from __future__ import annotations

import uuid
from typing import Any

from incidents.choices import DetectionSource
from incidents.integrations import formats
from incidents.integrations.choices import AlertAction
from incidents.integrations.formats import AlertEvent, ChangeEventData, PayloadError
from incidents.integrations.sources import AlertSource, KeyTravel, Route

KIND = "pagerduty"


def parse_event(body: Any) -> AlertEvent:
    """An Events API v2 event (the routing key is checked by the caller)."""
    event = formats.as_object(body)
    errors: list[str] = []
    action = event.get("event_action")
    if action not in AlertAction.values:
        errors.append("event_action must be one of trigger, acknowledge, resolve")
    dedup_key = event.get("dedup_key")
    if dedup_key is not None and not isinstance(dedup_key, str):
        errors.append("dedup_key must be a string")
        dedup_key = None
    elif isinstance(dedup_key, str) and len(dedup_key) > formats.MAX_DEDUP_KEY:
        errors.append(f"dedup_key must be at most {formats.MAX_DEDUP_KEY} characters")
    if action in (AlertAction.ACKNOWLEDGE, AlertAction.RESOLVE) and not dedup_key:
        errors.append("dedup_key is required for acknowledge and resolve")
    summary, severity = "", ""
    if action == AlertAction.TRIGGER:
        payload = event.get("payload")
        if not isinstance(payload, dict):
            errors.append("payload is missing or not an object")
            payload = {}
        summary = formats.clean_text(payload.get("summary"))
        if not summary:
            errors.append("payload.summary is missing or blank")
        if not formats.clean_text(payload.get("source")):
            errors.append("payload.source is missing or blank")
        severity = formats.clean_text(payload.get("severity"))
        if severity not in formats.SEVERITY_HINTS:
            errors.append("payload.severity must be one of critical, error, warning, info")
        stamp = payload.get("timestamp")
        if stamp is not None and formats.parse_timestamp(stamp) is None:
            # PagerDuty documents an ISO 8601 timestamp and refuses others as invalid.
            errors.append("payload.timestamp must be an ISO 8601 date-time")
    if errors:
        raise PayloadError(errors)
    return AlertEvent(
        action=str(action),
        dedup_key=dedup_key or uuid.uuid4().hex,
        summary=summary[: formats.MAX_SUMMARY],
        severity_hint=severity,
        document=event,
    )


def parse_change(body: Any) -> ChangeEventData:
    event = formats.as_object(body)
    payload = event.get("payload")
    if not isinstance(payload, dict):
        raise PayloadError(["payload is missing or not an object"])
    summary = formats.clean_text(payload.get("summary"))
    if not summary:
        raise PayloadError(["payload.summary is missing or blank"])
    details = payload.get("custom_details")
    links = event.get("links")
    return ChangeEventData(
        summary=summary[: formats.MAX_SUMMARY],
        source=formats.clean_text(payload.get("source"))[:255],
        happened_at=formats.parse_timestamp(payload.get("timestamp")),
        custom_details=details if isinstance(details, dict) else {},
        links=links if isinstance(links, list) else [],
    )


SOURCE = AlertSource(
    kind=KIND,
    label="PagerDuty Events API v2",
    detection_source=DetectionSource.MONITORING_ALERT,
    position=10,
    sender_setup=(
        "Any PagerDuty Events v2 client: events API base URL = this portal's "
        "/integrations/pagerduty, routing key = the integration key."
    ),
    key_travels=KeyTravel.BODY,
    routes=(
        Route("pagerduty/v2/enqueue", "pagerduty_enqueue", "pagerduty-enqueue"),
        Route(
            "pagerduty/v2/change/enqueue", "pagerduty_change_enqueue", "pagerduty-change-enqueue"
        ),
    ),
    example={
        "routing_key": "<key>",
        "event_action": "trigger",
        "dedup_key": "checkout-5xx",
        "payload": {
            "summary": "Checkout 5xx above 5%",
            "source": "prometheus",
            "severity": "critical",
        },
    },
)
