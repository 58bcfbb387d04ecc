"""The senders' wire formats, parsed into `AlertEvent`s (pure functions, no database).

Each parser takes the decoded JSON body and returns the events it carries, or raises
`PayloadError` listing every missing or malformed field (the door answers 400 with them).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from incidents.integrations.choices import AlertAction
from portal.kernel.storable import bounded_identifier

PD_SEVERITIES = ("critical", "error", "warning", "info")
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024


class PayloadError(ValueError):
    """The body is not a valid event; `errors` name the fields ("payload.summary is missing")."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class AlertEvent:
    action: str  # AlertAction
    dedup_key: str
    summary: str = ""
    severity_hint: str = ""  # critical / error / warning / info, when the sender has one
    document: dict[str, Any] = field(default_factory=dict)  # what routing-rule paths look into


@dataclass(frozen=True)
class ChangeEventData:
    summary: str
    source: str
    happened_at: datetime.datetime | None
    custom_details: dict[str, Any]
    links: list[Any]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _identifier(value: Any) -> str | None:
    """A sender's id as text: a string or an integer (never a bool, object or list)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _dedup_key(value: str) -> str:
    """Over-long keys are hashed, never cut: two keys sharing a prefix stay two alerts."""
    return bounded_identifier(value, MAX_DEDUP_KEY)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise PayloadError(["the body must be a JSON object"])
    return body


def parse_timestamp(value: Any) -> datetime.datetime | None:
    """ISO 8601 as senders write it ("…Z", "…+00:00", even "…+00:00Z"); None when unreadable."""
    text = _text(value)
    if not text:
        return None
    if text.endswith("Z") and ("+" in text[10:] or text[10:].count("-") > 0):
        text = text[:-1]
    try:
        stamp = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.UTC)
    return stamp.astimezone(datetime.UTC)


# --- PagerDuty Events API v2 -------------------------------------------------------------


def parse_pagerduty_event(body: Any) -> AlertEvent:
    """An Events API v2 event (the routing key is checked by the caller)."""
    event = _object(body)
    errors: list[str] = []
    action = event.get("event_action")
    if action not in AlertAction.values:
        errors.append("event_action must be one of trigger, acknowledge, resolve")
    dedup_key = event.get("dedup_key")
    if dedup_key is not None and not isinstance(dedup_key, str):
        errors.append("dedup_key must be a string")
        dedup_key = None
    elif isinstance(dedup_key, str) and len(dedup_key) > MAX_DEDUP_KEY:
        errors.append(f"dedup_key must be at most {MAX_DEDUP_KEY} characters")
    if action in (AlertAction.ACKNOWLEDGE, AlertAction.RESOLVE) and not dedup_key:
        errors.append("dedup_key is required for acknowledge and resolve")
    summary, severity = "", ""
    if action == AlertAction.TRIGGER:
        payload = event.get("payload")
        if not isinstance(payload, dict):
            errors.append("payload is missing or not an object")
            payload = {}
        summary = _text(payload.get("summary"))
        if not summary:
            errors.append("payload.summary is missing or blank")
        if not _text(payload.get("source")):
            errors.append("payload.source is missing or blank")
        severity = _text(payload.get("severity"))
        if severity not in PD_SEVERITIES:
            errors.append("payload.severity must be one of critical, error, warning, info")
    if errors:
        raise PayloadError(errors)
    return AlertEvent(
        action=str(action),
        dedup_key=dedup_key or uuid.uuid4().hex,
        summary=summary[:MAX_SUMMARY],
        severity_hint=severity,
        document=event,
    )


def parse_pagerduty_change(body: Any) -> ChangeEventData:
    event = _object(body)
    payload = event.get("payload")
    if not isinstance(payload, dict):
        raise PayloadError(["payload is missing or not an object"])
    summary = _text(payload.get("summary"))
    if not summary:
        raise PayloadError(["payload.summary is missing or blank"])
    details = payload.get("custom_details")
    links = event.get("links")
    return ChangeEventData(
        summary=summary[:MAX_SUMMARY],
        source=_text(payload.get("source"))[:255],
        happened_at=parse_timestamp(payload.get("timestamp")),
        custom_details=details if isinstance(details, dict) else {},
        links=links if isinstance(links, list) else [],
    )


# --- Prometheus Alertmanager (webhook version 4) -----------------------------------------


def parse_alertmanager(body: Any) -> list[AlertEvent]:
    """One event per alert of the group, keyed by its `fingerprint`."""
    message = _object(body)
    errors: list[str] = []
    if message.get("version") != "4":
        errors.append('version: only Alertmanager webhook version "4" is supported')
    alerts = message.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError([*errors, "alerts is missing or not a list"])
    events: list[AlertEvent] = []
    for index, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            errors.append(f"alerts[{index}] must be an object")
            continue
        status = alert.get("status")
        fingerprint = _text(alert.get("fingerprint"))
        if status not in ("firing", "resolved"):
            errors.append(f"alerts[{index}].status must be firing or resolved")
        if not fingerprint:
            errors.append(f"alerts[{index}].fingerprint is missing")
        labels = _mapping(alert.get("labels"))
        annotations = _mapping(alert.get("annotations"))
        summary = (
            _text(annotations.get("summary"))
            or _text(annotations.get("description"))
            or _text(labels.get("alertname"))
            or "Alertmanager alert"
        )
        document = {
            **alert,
            "groupLabels": message.get("groupLabels"),
            "commonLabels": message.get("commonLabels"),
            "receiver": message.get("receiver"),
        }
        events.append(
            AlertEvent(
                action=AlertAction.TRIGGER if status == "firing" else AlertAction.RESOLVE,
                dedup_key=_dedup_key(fingerprint),
                summary=summary[:MAX_SUMMARY],
                severity_hint=_text(labels.get("severity")).lower(),
                document=document,
            )
        )
    if errors:
        raise PayloadError(errors)
    return events


# --- Sentry integration platform ----------------------------------------------------------

SENTRY_RESOURCES = ("event_alert", "metric_alert", "issue")


def parse_sentry(resource: str, body: Any) -> list[AlertEvent]:
    """`event_alert` and `issue` are keyed by the Sentry issue; `metric_alert` by its incident.

    Resources that carry no alert (installation, comment, error…) and issue actions
    that change nothing here (assigned) yield no events.
    """
    message = _object(body)
    action = _text(message.get("action"))
    data = message.get("data")
    if not action:
        raise PayloadError(["action is missing"])
    if not isinstance(data, dict):
        raise PayloadError(["data is missing or not an object"])
    if resource == "event_alert":
        event = data.get("event")
        if not isinstance(event, dict) or event.get("issue_id") in (None, ""):
            raise PayloadError(["data.event.issue_id is missing"])
        issue_id = _identifier(event.get("issue_id"))
        if issue_id is None:
            raise PayloadError(["data.event.issue_id must be a string or an integer"])
        title = (
            _text(event.get("title")) or _text(data.get("triggered_rule")) or "Sentry event alert"
        )
        return [
            AlertEvent(
                AlertAction.TRIGGER,
                _dedup_key(f"sentry-issue-{issue_id}"),
                title[:MAX_SUMMARY],
                _sentry_level(event.get("level")),
                message,
            )
        ]
    if resource == "issue":
        issue = data.get("issue")
        if not isinstance(issue, dict) or issue.get("id") in (None, ""):
            raise PayloadError(["data.issue.id is missing"])
        issue_id = _identifier(issue.get("id"))
        if issue_id is None:
            raise PayloadError(["data.issue.id must be a string or an integer"])
        title = _text(issue.get("title")) or "Sentry issue"
        key = _dedup_key(f"sentry-issue-{issue_id}")
        if action in ("created", "unresolved"):
            return [
                AlertEvent(
                    AlertAction.TRIGGER,
                    key,
                    title[:MAX_SUMMARY],
                    _sentry_level(issue.get("level")),
                    message,
                )
            ]
        if action in ("resolved", "archived", "ignored"):
            return [AlertEvent(AlertAction.RESOLVE, key, title[:MAX_SUMMARY], document=message)]
        return []
    if resource == "metric_alert":
        metric = data.get("metric_alert")
        if not isinstance(metric, dict) or metric.get("id") in (None, ""):
            raise PayloadError(["data.metric_alert.id is missing"])
        metric_id = _identifier(metric.get("id"))
        if metric_id is None:
            raise PayloadError(["data.metric_alert.id must be a string or an integer"])
        title = (
            _text(data.get("description_title"))
            or _text(metric.get("title"))
            or "Sentry metric alert"
        )
        key = _dedup_key(f"sentry-metric-{metric_id}")
        if action in ("critical", "warning"):
            return [AlertEvent(AlertAction.TRIGGER, key, title[:MAX_SUMMARY], action, message)]
        if action == "resolved":
            return [AlertEvent(AlertAction.RESOLVE, key, title[:MAX_SUMMARY], document=message)]
        raise PayloadError(["action must be critical, warning or resolved"])
    return []


def _sentry_level(level: Any) -> str:
    return {
        "fatal": "critical",
        "error": "error",
        "warning": "warning",
        "info": "info",
        "debug": "info",
    }.get(_text(level).lower(), "")


# --- Uptime Kuma ----------------------------------------------------------------------------


def parse_uptime(body: Any) -> list[AlertEvent]:
    """`heartbeat.status` 0 = down ⇒ trigger, 1 = up ⇒ resolve, keyed by the monitor.

    Uptime Kuma's "Test" button sends `heartbeat: null, monitor: null` with only a
    message: that is answered but yields no event. Other statuses (2 pending,
    3 maintenance) change nothing.
    """
    message = _object(body)
    heartbeat, monitor = message.get("heartbeat"), message.get("monitor")
    if heartbeat is None and monitor is None and _text(message.get("msg")):
        return []
    errors: list[str] = []
    if not isinstance(heartbeat, dict):
        errors.append("heartbeat is missing or not an object")
        heartbeat = {}
    if not isinstance(monitor, dict):
        errors.append("monitor is missing or not an object")
        monitor = {}
    status = heartbeat.get("status")
    # `False == 0` in Python: a boolean is a wrong type here, not "down".
    if heartbeat and (isinstance(status, bool) or status not in (0, 1, 2, 3)):
        errors.append("heartbeat.status must be 0 (down) or 1 (up)")
    raw_id, id_field = (
        (monitor["id"], "monitor.id")
        if "id" in monitor
        else (heartbeat.get("monitorID"), "heartbeat.monitorID")
    )
    monitor_id = _identifier(raw_id)
    if raw_id is not None and monitor_id is None:
        errors.append(f"{id_field} must be a string or an integer")
    name = _text(monitor.get("name"))
    if monitor and raw_id is None and not name:
        errors.append("monitor.id is missing")
    if errors:
        raise PayloadError(errors)
    key = _dedup_key(f"uptime-monitor-{monitor_id if monitor_id is not None else name}")
    summary = _text(message.get("msg")) or f"{name or key} is {'down' if status == 0 else 'up'}"
    if status == 0:
        return [AlertEvent(AlertAction.TRIGGER, key, summary[:MAX_SUMMARY], "critical", message)]
    if status == 1:
        return [AlertEvent(AlertAction.RESOLVE, key, summary[:MAX_SUMMARY], document=message)]
    return []


def path_value(document: Any, path: str) -> Any:
    """`labels.severity`, `payload.custom_details.tier`, `alerts.0.status` → the value or None."""
    value = document
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
