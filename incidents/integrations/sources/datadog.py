"""Datadog's Webhooks integration, with the payload the portal asks teams to paste.

Reference: https://docs.datadoghq.com/integrations/webhooks/ (a monitor notifies
`@webhook-<name>`; the payload is a template of `$VARIABLES`: `$AGGREG_KEY` "ID to
aggregate events belonging together", `$ALERT_ID`, `$ALERT_TRANSITION` one of
Recovered, Triggered/Re-Triggered, No Data/Re-No Data, Warn/Re-Warn, Null, Renotify,
`$ALERT_TYPE` error/warning/success/info, `$ALERT_PRIORITY` P1…P5, `$EVENT_TITLE`
e.g. "[Triggered] [Memory Alert]", `$EVENT_MSG`, `$LINK`, `$DATE` epoch ms). Datadog
retries only on a 5xx answer.

Keyed by `aggreg_key` (the monitor and its group), falling back to `alert_id`. When a
team keeps Datadog's default payload (`title`, `body`, `id`… and no transition), the
transition is read from the title's leading `[Triggered]`/`[Recovered]` tag.
"""

from __future__ import annotations

from incidents.choices import DetectionSource
from incidents.integrations import formats
from incidents.integrations.choices import AlertAction
from incidents.integrations.formats import AlertEvent, PayloadError
from incidents.integrations.sources import AlertSource, WebhookRequest

KIND = "datadog"
TRIGGERS = ("triggered", "re-triggered", "warn", "re-warn", "no data", "re-no data", "renotify")
RESOLVES = ("recovered",)
_PRIORITIES = {"p1": "critical", "p2": "error", "p3": "warning", "p4": "info", "p5": "info"}
_TYPES = {"error": "error", "warning": "warning", "info": "info"}

PAYLOAD_TEMPLATE = {
    "aggreg_key": "$AGGREG_KEY",
    "alert_id": "$ALERT_ID",
    "alert_transition": "$ALERT_TRANSITION",
    "alert_type": "$ALERT_TYPE",
    "alert_priority": "$ALERT_PRIORITY",
    "title": "$EVENT_TITLE",
    "body": "$EVENT_MSG",
    "link": "$LINK",
    "date": "$DATE",
}


def _transition(message: dict[str, object]) -> str:
    stated = formats.clean_text(message.get("alert_transition")).lower()
    if stated:
        return stated
    title = formats.clean_text(message.get("title"))
    if title.startswith("[") and "]" in title:
        return title[1 : title.index("]")].strip().lower()
    return ""


def parse(request: WebhookRequest) -> list[AlertEvent]:
    message = formats.as_object(formats.decode_json(request.body))
    transition = _transition(message)
    group = formats.identifier(message.get("aggreg_key")) or formats.identifier(
        message.get("alert_id")
    )
    errors: list[str] = []
    if not group:
        errors.append("aggreg_key is missing (and no alert_id): paste the payload template")
    if transition in ("", "null"):
        if transition == "":
            errors.append(
                "alert_transition is missing (Recovered, Triggered, Warn, No Data, Renotify)"
            )
    elif transition not in TRIGGERS + RESOLVES:
        errors.append(f"alert_transition {transition!r} is not one Datadog documents")
    if errors:
        raise PayloadError(errors)
    if transition == "null":
        return []
    summary = (
        formats.clean_text(message.get("title"))
        or formats.clean_text(message.get("body"))
        or f"Datadog monitor {group}"
    )[: formats.MAX_SUMMARY]
    key = formats.bounded_key(f"datadog-{group}")
    if transition in RESOLVES:
        return [AlertEvent(AlertAction.RESOLVE, key, summary, document=message)]
    severity = _PRIORITIES.get(formats.clean_text(message.get("alert_priority")).lower()) or (
        _TYPES.get(formats.clean_text(message.get("alert_type")).lower(), "")
    )
    return [AlertEvent(AlertAction.TRIGGER, key, summary, severity, message)]


SOURCE = AlertSource(
    kind=KIND,
    label="Datadog (Webhooks integration)",
    detection_source=DetectionSource.MONITORING_ALERT,
    position=27,
    sender_setup=(
        "Datadog → Integrations → Webhooks → New: URL = the endpoint, payload = the "
        "template in docs/integrations.md (aggreg_key, alert_transition…); monitors "
        "notify @webhook-<name>. Or a custom header X-Integration-Key."
    ),
    parse=parse,
    example={
        "aggreg_key": "9bd4ac313a4d1e8fae2482df7b77628",
        "alert_id": "1234",
        "alert_transition": "Triggered",
        "alert_type": "error",
        "alert_priority": "P1",
        "title": "[Triggered] [Memory Alert]",
        "body": "system.mem.used over host:web-1 was > 90% during the last 5m",
        "link": "https://app.datadoghq.com/event/event?id=1234",
        "date": "1406662672000",
    },
)
