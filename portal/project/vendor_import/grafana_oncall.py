"""Grafana OnCall OSS public API v1 (https://grafana.com/docs/oncall/latest/oncall-api-reference/).

Auth `Authorization: <key>`; lists answer `{"count", "next", "previous", "results"}`
and are followed through `next`; 429 carries `Retry-After`. Grafana OnCall has no
services: each integration becomes a portal service of the same name (reported).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator
from typing import Any

from portal.project.vendor_import import vendor_oncall
from portal.project.vendor_import.build import Builder, MigrationResult, instant, iso, slug
from portal.project.vendor_import.http import JsonClient

_KINDS = {"alertmanager": "alertmanager", "grafana_alerting": "grafana",
          "sentry": "sentry", "kuma": "uptime"}  # fmt: skip


def client(api_key: str, base_url: str, **kwargs: Any) -> JsonClient:
    return JsonClient(base_url, {"Authorization": api_key}, **kwargs)


def pages(api: JsonClient, path: str, **params: Any) -> Iterator[dict[str, Any]]:
    body = api.get(path, params or None)
    while True:
        yield from body["results"]
        if not body.get("next"):
            return
        body = api.get(body["next"])


def migrate(api: JsonClient, builder: Builder) -> MigrationResult:
    for user in pages(api, "/users/"):
        builder.add_user(user["id"], user.get("email"), user.get("username", ""))
    builder.lose(
        "notification targets: personal notification rules (SMS, phone, mobile app) are not "
        "migrated; the portal pages by e-mail or through a step's channel"
    )
    shifts = {shift["id"]: shift for shift in pages(api, "/on_call_shifts/")}
    schedule_names: dict[str, str] = {}
    for schedule in pages(api, "/schedules/"):
        schedule_names[schedule["id"]] = schedule["name"]
        own = [shifts[s] for s in schedule.get("shifts") or [] if s in shifts]
        builder.document["schedules"].append(_schedule(builder, schedule, own))
        builder.vendor_schedules.append(vendor_oncall.grafana_oncall(schedule, own))
    chains = {chain["id"]: chain for chain in pages(api, "/escalation_chains/")}
    steps_by_chain: dict[str, list[dict[str, Any]]] = {}
    for policy in pages(api, "/escalation_policies/"):
        steps_by_chain.setdefault(policy["escalation_chain_id"], []).append(policy)
    for chain_id, chain in chains.items():
        ordered = sorted(steps_by_chain.get(chain_id, []), key=lambda p: p["position"])
        builder.document["escalation_policies"].append(
            _chain(builder, chain, ordered, schedule_names)
        )
    service_of: dict[str, str] = {}
    for integration in pages(api, "/integrations/"):
        service_of[integration["id"]] = slug(integration["name"])
        builder.document["services"].append(
            {"slug": slug(integration["name"]), "name": integration["name"][:100]}
        )
        routed = chains.get((integration.get("default_route") or {}).get("escalation_chain_id", ""))
        if routed is not None:
            builder.lose(
                f"integration {integration['name']}: its route picks escalation chain "
                f"{routed['name']!r}; the portal picks it by severity (set escalation_policies[].levels)"
            )
        kind = _KINDS.get(integration.get("type", ""))
        if kind is None:
            builder.lose(
                f"integration {integration['name']} ({integration.get('type')}): no portal equivalent; left out"
            )
            continue
        builder.document["integrations"].append(
            {"name": integration["name"][:100], "kind": kind, "service": slug(integration["name"])}
        )
        builder.checklist.append(
            f"Grafana OnCall {integration['name']} ({integration.get('type')}, was {integration.get('link')}) "
            f"→ portal integration {integration['name'][:100]!r} ({kind})"
        )
    if service_of:
        builder.lose("services: Grafana OnCall has none; one portal service per integration")
    for group in pages(api, "/alert_groups/"):
        if group.get("state") != "resolved":
            builder.lose(f"alert group {group['id']}: still {group.get('state')}; not imported")
            continue
        builder.document["history"].append(_history(api, builder, group, service_of))
    return builder.result()


def _schedule(
    builder: Builder, schedule: dict[str, Any], shifts: list[dict[str, Any]]
) -> dict[str, Any]:
    name, tz = schedule["name"], schedule.get("time_zone") or "UTC"
    if schedule.get("type") == "ical":
        feeds = " and ".join(
            f"{key.removeprefix('ical_url_')} feed {schedule[key]}"
            for key in ("ical_url_primary", "ical_url_overrides")
            if schedule.get(key)
        )
        builder.lose(
            f"schedule {name}: an iCal schedule (its shifts live in its {feeds or 'feed'}); "
            "imported without rotations, so it puts nobody on call until you add them"
        )
    rotations, layers = [], []
    overrides: list[tuple[dict[str, Any], str]] = []
    for shift in sorted(shifts, key=lambda s: (s.get("level", 0), s["id"])):
        where = f"schedule {name} / {shift['name']}"
        if shift["type"] == "override":
            for user_id in shift.get("users", []):
                user = builder.user(user_id, where)
                if user is not None:
                    overrides.append((shift, user))
            continue
        if shift["type"] != "rolling_users":
            builder.lose(f"{where}: a {shift['type']} shift has no equivalent; left out")
            continue
        unit = {"daily": 86400, "weekly": 7 * 86400, "hourly": 3600}.get(
            shift.get("frequency", ""), 0
        )
        if not unit:
            builder.lose(f"{where}: frequency {shift.get('frequency')} has no equivalent; left out")
            continue
        zone = shift.get("time_zone") or tz
        step = unit * shift.get("interval", 1)
        start = instant(shift["start"], zone)
        if zone != tz:
            builder.lose(
                f"{where}: its time zone {zone} is not the schedule's ({tz}); the portal "
                f"hands off at {tz} wall time"
            )
        rotation = builder.rotation(
            where=where, layer=shift["name"][:60], time_zone=tz, origin=start,
            turn_seconds=step, members=_members(builder, shift, where),
            offset=shift.get("start_rotation_from_user_index") or 0,
            end=_last_turn_end(start, step, shift.get("until"), zone),
        )  # fmt: skip
        if rotation is None:
            continue
        if shift.get("by_day") or shift.get("duration", unit) < unit:
            builder.lose(f"{where}: time-restricted rotation imported as a full-time rotation")
        layers.append(rotation["layer"])
        rotations.append(rotation)
    if len(layers) > 1:
        builder.lose(
            f"schedule {name}: OnCall levels stack (a higher one wins); portal layers are all on call at once"
        )
    out_overrides = []
    for shift, user in overrides if layers else []:
        start = instant(shift["start"], shift.get("time_zone") or tz)
        end = start + datetime.timedelta(seconds=shift["duration"])
        out_overrides.append(
            {"layer": layers[0], "user": user, "start": iso(start.isoformat()),
             "end": iso(end.isoformat()), "reason": f"Grafana OnCall override {shift['id']}"}
        )  # fmt: skip
    if overrides and not layers:
        builder.lose(
            f"schedule {name}: {len(overrides)} override(s) and no live rotation; left out"
        )
    return {"name": name[:120], "time_zone": tz, "description": "", "layers": layers or ["primary"],
            "rotations": rotations, "overrides": out_overrides}  # fmt: skip


def _members(builder: Builder, shift: dict[str, Any], where: str) -> list[str | None]:
    members: list[str | None] = []
    for group in shift.get("rolling_users") or []:
        if len(group) > 1:
            builder.lose(f"{where}: {len(group)} users share a turn; the first is kept")
        members.append(builder.user(group[0], where) if group else None)
    return members


def _last_turn_end(
    start: datetime.datetime, step: int, until: str | None, zone: str
) -> datetime.datetime | None:
    """Where a shift repeating until `until` stops: the end of the last repetition that
    starts at or before it (an iCalendar RRULE UNTIL is inclusive)."""
    if not until:
        return None
    tz = zoneinfo.ZoneInfo(zone)
    first = start.astimezone(tz).replace(tzinfo=None)
    last = instant(until, zone).astimezone(tz).replace(tzinfo=None)
    if last < first:
        return start
    period = datetime.timedelta(seconds=step)
    turns = (last - first) // period
    return (first + (turns + 1) * period).replace(tzinfo=tz).astimezone(datetime.UTC)


def _chain(
    builder: Builder,
    chain: dict[str, Any],
    policies: list[dict[str, Any]],
    schedules: dict[str, str],
) -> dict[str, Any]:
    steps, wait, repeat = [], 0, 0
    for policy in policies:
        where = f"escalation chain {chain['name']} step {policy['position']}"
        kind = policy["type"]
        if kind == "wait":
            wait += builder.minutes(policy.get("duration", 0), where)
        elif kind == "notify_on_call_from_schedule":
            steps.append(
                {
                    "delay_minutes": wait,
                    "target": "schedule",
                    "schedule": schedules.get(str(policy.get("notify_on_call_from_schedule"))),
                }
            )
            wait = 0
        elif kind in ("notify_persons", "notify_person_next_each_time"):
            if kind == "notify_person_next_each_time":
                builder.lose(f"{where}: 'next person each time' becomes 'notify each person'")
            key = (
                "persons_to_notify"
                if kind == "notify_persons"
                else "persons_to_notify_next_each_time"
            )
            for position, user_id in enumerate(policy.get(key, [])):
                user = builder.user(user_id, where)
                if user is not None:
                    steps.append(
                        {
                            "delay_minutes": wait if position == 0 else 0,
                            "target": "user",
                            "user": user,
                        }
                    )
            wait = 0
        elif kind == "repeat_escalation":
            repeat = 5  # OnCall repeats a chain up to five times
        else:
            builder.lose(f"{where}: step type {kind} has no equivalent; left out")
    return {"name": chain["name"][:120], "description": "", "repeat": repeat,
            "repeat_after_minutes": wait or 5, "levels": [], "steps": steps}  # fmt: skip


def _history(
    api: JsonClient, builder: Builder, group: dict[str, Any], services: dict[str, str]
) -> dict[str, Any]:
    log = [
        {"at": iso(note["created_at"]), "text": note.get("text") or ""}
        for note in pages(api, "/resolution_notes/", alert_group_id=group["id"])
    ]
    return {
        "source": f"grafana-oncall:{group['id']}",
        "title": group.get("title") or group["id"],
        "severity": builder.severity(None),
        "service": services.get(group.get("integration_id", "")),
        "declared_at": iso(group["created_at"]),
        "acknowledged_at": iso(group.get("acknowledged_at")),
        "resolved_at": iso(group.get("resolved_at")),
        "log": sorted(log, key=lambda e: e["at"] or ""),
    }
