"""The canonical shape of each item: defaults filled, times normalised, keys in order.

Export passes what it reads from the database through these functions and plan
passes the file's items through them too, so equal meaning gives equal data: the
round trip is exact and a second apply plans nothing.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db import models

from incidents.choices import DetectionSource
from incidents.fields import field_names, model_field

Item = dict[str, Any]


def iso_datetime(value: datetime.datetime | str | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_time(value: datetime.time | str) -> str:
    if isinstance(value, str):
        value = datetime.time.fromisoformat(value)
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def iso_date(value: datetime.date | str | None) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else value.isoformat()


def _pick(raw: Item, defaults: Item) -> Item:
    return {key: raw.get(key, default) for key, default in defaults.items()}


def shape_level(raw: Item) -> Item:
    level = _pick(
        raw,
        {
            "code": "", "name": "", "rank": 0, "definition": "", "examples": "",
            "ack_target": "", "mitigate_target": "", "resolve_target": "",
            "update_cadence": "", "war_room_required": False, "postmortem_required": False,
            "postmortem_due": "", "who_is_paged": "", "comms": [],
            "publish_on_declare": True, "postmortem_sections": "",
        },
    )  # fmt: skip
    level["comms"] = [
        _pick(c, {"channel": "", "anchor": "declared", "deadline": "",
                  "only_if_longer_than": "", "note": ""})
        for c in level["comms"]
    ]  # fmt: skip
    return level


def shape_version(raw: Item) -> Item:
    version = _pick(
        raw,
        {"number": 0, "status": "draft", "notes": "", "calendar": {}, "sign_off": {},
         "levels": [], "rules": []},
    )  # fmt: skip
    calendar = _pick(
        version["calendar"],
        {"time_zone": "UTC", "working_days": "0,1,2,3,4", "work_start": "09:00",
         "work_end": "17:00", "holiday_country": "", "holiday_subdivision": ""},
    )  # fmt: skip
    calendar["work_start"] = iso_time(calendar["work_start"])
    calendar["work_end"] = iso_time(calendar["work_end"])
    version["calendar"] = calendar
    sign_off = _pick(
        version["sign_off"],
        {"approved_by": None, "approver_name": "", "approved_at": None, "activated_at": None,
         "next_review_on": None, "last_validated_on": None, "content_hash": ""},
    )  # fmt: skip
    for key in ("approved_at", "activated_at"):
        sign_off[key] = iso_datetime(sign_off[key])
    for key in ("next_review_on", "last_validated_on"):
        sign_off[key] = iso_date(sign_off[key])
    version["sign_off"] = sign_off
    version["levels"] = sorted(
        (shape_level(lv) for lv in version["levels"]), key=lambda lv: lv["rank"]
    )
    version["rules"] = [
        _pick(r, {"level": "", "fact": "", "operator": "", "value": None, "description": ""})
        for r in version["rules"]
    ]
    return version


def shape_policy(raw: Item) -> Item:
    policy = _pick(raw, {"name": "", "description": "", "preset": "", "versions": []})
    policy["versions"] = sorted(
        (shape_version(v) for v in policy["versions"]), key=lambda v: v["number"]
    )
    return policy


def shape_schedule(raw: Item) -> Item:
    schedule = _pick(
        raw,
        {"name": "", "time_zone": "UTC", "description": "", "layers": ["primary"],
         "rotations": [], "overrides": []},
    )  # fmt: skip
    schedule["rotations"] = [
        {
            **_pick(r, {"layer": "primary", "name": "", "kind": "weekly", "shift_hours": None,
                        "start_date": "", "handoff_time": "09:00", "end": None,
                        "members": []}),
            "handoff_time": iso_time(r.get("handoff_time", "09:00")),
            "end": iso_datetime(r.get("end")),
        }
        for r in schedule["rotations"]
    ]  # fmt: skip
    schedule["overrides"] = [
        {
            **_pick(o, {"layer": "primary", "user": "", "start": "", "end": "", "reason": ""}),
            "start": iso_datetime(o.get("start")),
            "end": iso_datetime(o.get("end")),
        }
        for o in schedule["overrides"]
    ]
    return schedule


_TARGET = {"target": "", "schedule": None, "layer": None, "user": None, "group": None,
           "channel": None}  # fmt: skip


def shape_step(raw: Item) -> Item:
    """A step: its own target, when it fires, and the targets it pages in parallel."""
    step = _pick(
        raw,
        {"delay_minutes": 0, **_TARGET, "condition": "unacknowledged", "mention_here": False,
         "parallel_targets": []},
    )  # fmt: skip
    step["parallel_targets"] = [_pick(t, _TARGET) for t in step["parallel_targets"]]
    return step


def shape_escalation_policy(raw: Item) -> Item:
    policy = _pick(
        raw,
        {"name": "", "description": "", "repeat": 0, "repeat_after_minutes": 5, "levels": [],
         "steps": [], "fallback_schedule": None, "fallback_user": None},
    )  # fmt: skip
    policy["levels"] = sorted(policy["levels"])
    policy["steps"] = [shape_step(s) for s in policy["steps"]]
    return policy


def shape_channel(raw: Item) -> Item:
    return _pick(raw, {"name": "", "kind": "", "target": "", "enabled": True, "description": ""})


def shape_route(raw: Item) -> Item:
    return _pick(raw, {"level": "", "channel": "", "enabled": True})


def shape_service(raw: Item) -> Item:
    return _pick(raw, {"slug": "", "name": "", "description": "", "public": True, "owner": None})


def shape_integration(raw: Item) -> Item:
    integration = _pick(
        raw,
        {"name": "", "kind": "", "service": None, "default_severity": "", "auto_resolve": False,
         "enabled": True, "heartbeat_period_seconds": None, "heartbeat_grace_seconds": None,
         "routing_rules": []},
    )  # fmt: skip
    integration["routing_rules"] = [
        _pick(r, {"path": "", "operator": "==", "value": "", "severity": ""})
        for r in integration["routing_rules"]
    ]
    return integration


# A historical incident carries the incident catalogue's fields (incidents/fields.py):
# the entry's own keys, then every other catalogue field under its own name.
HISTORY_OWN_KEYS = (
    "title",
    "services",
    "declared_at",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "cancelled_at",
)
HISTORY_DETAILS = tuple(name for name in field_names() if name not in HISTORY_OWN_KEYS)


def history_detail_default(name: str) -> Any:
    """What an entry that leaves `name` out means: the model's default, except that
    another tool's incidents were detected by its alerts."""
    if name == "detection_source":
        return DetectionSource.MONITORING_ALERT.value
    return model_field(name).get_default()


def history_detail_value(name: str, value: Any) -> Any:
    """A catalogue value as the document holds it: times in UTC ISO text, decimals as
    text at the column's precision (so a round trip compares equal)."""
    column = model_field(name)
    if value is None:
        return None
    if isinstance(column, models.DateTimeField):
        return iso_datetime(value)
    if isinstance(column, models.DecimalField):
        places = decimal.Decimal(10) ** -(column.decimal_places or 0)
        return str(decimal.Decimal(str(value)).quantize(places))
    return value


def shape_history(raw: Item) -> Item:
    details = {name: raw.get(name, history_detail_default(name)) for name in HISTORY_DETAILS}
    item = _pick(
        raw,
        {"source": "", "title": "", "severity": "", "service": None, "declared_at": "",
         "acknowledged_at": None, "resolved_at": None, "log": []},
    )  # fmt: skip
    for key in ("declared_at", "acknowledged_at", "resolved_at"):
        item[key] = iso_datetime(item[key])
    item["log"] = [
        {"at": iso_datetime(e.get("at")), "text": e.get("text", "")} for e in item["log"]
    ]
    item.update({name: history_detail_value(name, value) for name, value in details.items()})
    return item
