"""Uptime Kuma's webhook notification: `heartbeat.status` 0 = down ⇒ trigger, 1 = up ⇒ resolve.

Reference: Uptime Kuma's webhook provider (server/notification-providers/webhook.js:
body `{heartbeat, monitor, msg}`), https://github.com/louislam/uptime-kuma/wiki/Notification-Methods.
Keyed by the monitor. The "Test" button sends `heartbeat: null, monitor: null` with only
a message: answered, no event. Other statuses (2 pending, 3 maintenance) change nothing.
"""

from __future__ import annotations

from incidents.choices import DetectionSource
from incidents.integrations import formats
from incidents.integrations.choices import AlertAction
from incidents.integrations.formats import AlertEvent, PayloadError
from incidents.integrations.sources import AlertSource, WebhookRequest

KIND = "uptime"


def parse(request: WebhookRequest) -> list[AlertEvent]:
    message = formats.as_object(formats.decode_json(request.body))
    heartbeat, monitor = message.get("heartbeat"), message.get("monitor")
    if heartbeat is None and monitor is None and formats.clean_text(message.get("msg")):
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
    monitor_id = formats.identifier(raw_id)
    if raw_id is not None and monitor_id is None:
        errors.append(f"{id_field} must be a string or an integer")
    name = formats.clean_text(monitor.get("name"))
    if monitor and raw_id is None and not name:
        errors.append("monitor.id is missing")
    if errors:
        raise PayloadError(errors)
    key = formats.bounded_key(f"uptime-monitor-{monitor_id if monitor_id is not None else name}")
    summary = (
        formats.clean_text(message.get("msg"))
        or f"{name or key} is {'down' if status == 0 else 'up'}"
    )[: formats.MAX_SUMMARY]
    if status == 0:
        return [AlertEvent(AlertAction.TRIGGER, key, summary, "critical", message)]
    if status == 1:
        return [AlertEvent(AlertAction.RESOLVE, key, summary, document=message)]
    return []


SOURCE = AlertSource(
    kind=KIND,
    label="Uptime monitor (Uptime Kuma)",
    detection_source=DetectionSource.UPTIME_CHECK,
    position=40,
    sender_setup=(
        "Uptime Kuma → Notification → Webhook: Post URL = the endpoint, body "
        "Preset - application/json; or an additional header X-Integration-Key."
    ),
    parse=parse,
    example={
        "heartbeat": {"status": 0, "monitorID": 7, "msg": "timeout"},
        "monitor": {"id": 7, "name": "checkout.example.com"},
        "msg": "[checkout.example.com] [🔴 Down] timeout",
    },
)
