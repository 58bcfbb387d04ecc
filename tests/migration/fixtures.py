"""One fixture team per vendor, in each vendor's documented response shapes.

The same team everywhere: Ana, Bo, Cy (portal users) and Zoe (no portal account); a
two-layer weekly rotation (the second layer time-restricted), an override for Cy, a
three-step escalation, two services, and 30 past incidents: incident i was opened on
2026-01-01 + i days at 10:00 UTC, acknowledged i+1 minutes later and resolved 30+i
minutes later, with priority P1, P2, P3 in turn.
"""

from __future__ import annotations

import datetime
from typing import Any

START = datetime.datetime(2026, 1, 1, 10, tzinfo=datetime.UTC)
PEOPLE = (("ana", "Ana"), ("bo", "Bo"), ("cy", "Cy"), ("zoe", "Zoe"))


def _z(at: datetime.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def incident_times(i: int) -> tuple[datetime.datetime, datetime.datetime, datetime.datetime]:
    opened = START + datetime.timedelta(days=i)
    return (
        opened,
        opened + datetime.timedelta(minutes=i + 1),
        opened + datetime.timedelta(minutes=30 + i),
    )


def pagerduty() -> dict[str, Any]:
    users = [
        {"id": f"PU{n.upper()}", "type": "user", "name": name, "email": f"{n}@example.com",
         "contact_methods": [{"type": "email_contact_method", "address": f"{n}@example.com"}]
         + ([{"type": "phone_contact_method", "address": "5550100"}] if n == "ana" else [])}
        for n, name in PEOPLE
    ]  # fmt: skip
    layer = {"start": "2026-01-05T09:00:00+01:00", "rotation_virtual_start": "2026-01-05T09:00:00+01:00",
             "rotation_turn_length_seconds": 604800, "end": None}  # fmt: skip
    schedule = {
        "id": "PSPLAT", "type": "schedule", "name": "Platform", "time_zone": "Europe/Paris",
        "description": "", "schedule_layers": [
            {**layer, "id": "PL1", "name": "Primary", "restrictions": [],
             "users": [{"user": {"id": "PUANA", "type": "user_reference"}},
                       {"user": {"id": "PUBO", "type": "user_reference"}}]},
            {**layer, "id": "PL2", "name": "Secondary",
             "restrictions": [{"type": "daily_restriction", "start_time_of_day": "09:00:00",
                               "duration_seconds": 28800}],
             "users": [{"user": {"id": "PUCY", "type": "user_reference"}},
                       {"user": {"id": "PUZOE", "type": "user_reference"}}]},
        ],
    }  # fmt: skip
    incidents, logs = [], {}
    for i in range(30):
        opened, acked, resolved = incident_times(i)
        incidents.append(
            {"id": f"Q{i:03d}", "type": "incident", "incident_number": i + 1,
             "title": f"Incident {i + 1}", "created_at": _z(opened), "status": "resolved",
             "urgency": "high", "priority": {"id": "PP", "summary": f"P{i % 3 + 1}"},
             "service": {"id": "PSAPI" if i % 2 == 0 else "PSWEB", "type": "service_reference"},
             "last_status_change_at": _z(resolved)}
        )  # fmt: skip
        logs[f"Q{i:03d}"] = [
            {"type": "trigger_log_entry", "created_at": _z(opened), "summary": "Triggered through the API."},
            {"type": "notify_log_entry", "created_at": _z(opened), "summary": "Notified Ana by email."},
            {"type": "acknowledge_log_entry", "created_at": _z(acked), "summary": "Acknowledged by Ana."},
            {"type": "resolve_log_entry", "created_at": _z(resolved), "summary": "Resolved by Ana."},
        ]  # fmt: skip
    return {
        "users": users,
        "schedules": [{"id": "PSPLAT", "type": "schedule", "name": "Platform", "time_zone": "Europe/Paris"}],
        "schedule_details": {"PSPLAT": schedule},
        "overrides": {"PSPLAT": [{"id": "PO1", "start": "2026-03-01T09:00:00Z",
                                  "end": "2026-03-02T09:00:00Z", "user": {"id": "PUCY"}}]},
        "escalation_policies": [
            {"id": "PEP1", "type": "escalation_policy", "name": "Platform default", "num_loops": 2,
             "escalation_rules": [
                 {"id": "R1", "escalation_delay_in_minutes": 5,
                  "targets": [{"id": "PSPLAT", "type": "schedule_reference"}]},
                 {"id": "R2", "escalation_delay_in_minutes": 10,
                  "targets": [{"id": "PUBO", "type": "user_reference"}]},
                 {"id": "R3", "escalation_delay_in_minutes": 15,
                  "targets": [{"id": "PUANA", "type": "user_reference"}]},
             ]}
        ],
        "services": [
            {"id": "PSAPI", "type": "service", "name": "API", "description": "Public API",
             "escalation_policy": {"id": "PEP1", "summary": "Platform default"},
             "integrations": [{"id": "PI1", "type": "events_api_v2_inbound_integration",
                               "summary": "Prometheus", "vendor": {"summary": "Prometheus"}}]},
            {"id": "PSWEB", "type": "service", "name": "Web app", "description": "",
             "escalation_policy": {"id": "PEP1", "summary": "Platform default"},
             "integrations": [{"id": "PI2", "type": "events_api_v2_inbound_integration",
                               "summary": "Datadog", "vendor": {"summary": "Datadog"}},
                              {"id": "PI3", "type": "generic_email_inbound_integration",
                               "summary": "Email"}]},
        ],
        "incidents": incidents,
        "log_entries": logs,
    }  # fmt: skip


def opsgenie() -> dict[str, Any]:
    users = [{"id": f"u-{n}", "username": f"{n}@example.com", "fullName": name, "role": {"name": "User"}}
             for n, name in PEOPLE]  # fmt: skip

    def participant(n: str) -> dict[str, str]:
        return {"type": "user", "id": f"u-{n}", "username": f"{n}@example.com"}

    alerts, logs = [], {}
    for i in range(30):
        opened, acked, resolved = incident_times(i)
        alerts.append(
            {"id": f"a-{i:03d}", "tinyId": str(i + 1), "alias": f"al-{i}", "message": f"Incident {i + 1}",
             "status": "closed", "acknowledged": True, "isSeen": True, "tags": [],
             "createdAt": opened.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
             "updatedAt": _z(resolved), "priority": f"P{i % 3 + 1}",
             "report": {"ackTime": (i + 1) * 60000, "closeTime": (30 + i) * 60000,
                        "acknowledgedBy": "ana@example.com", "closedBy": "ana@example.com"}}
        )  # fmt: skip
        logs[f"a-{i:03d}"] = [
            {"log": "Alert created via API", "type": "system", "owner": "", "createdAt": _z(opened), "offset": "1"},
            {"log": "Alert acknowledged via web", "type": "system", "owner": "ana@example.com", "createdAt": _z(acked), "offset": "2"},
            {"log": "Alert closed via web", "type": "system", "owner": "ana@example.com", "createdAt": _z(resolved), "offset": "3"},
        ]  # fmt: skip
    rotation = {"startDate": "2026-01-05T08:00:00Z", "type": "weekly", "length": 1}
    schedule_recipient = {"type": "schedule", "id": "s-plat", "name": "Platform"}
    return {
        "users": users,
        "schedules": [
            {"id": "s-plat", "name": "Platform", "timezone": "Europe/Paris", "enabled": True,
             "ownerTeam": {"id": "t1", "name": "Platform"}, "rotations": [
                 {**rotation, "id": "r1", "name": "Primary",
                  "participants": [participant("ana"), participant("bo")]},
                 {**rotation, "id": "r2", "name": "Secondary",
                  "participants": [participant("cy"), participant("zoe")],
                  "timeRestriction": {"type": "time-of-day", "restriction":
                                      {"startHour": 9, "startMin": 0, "endHour": 17, "endMin": 0}}},
             ]}
        ],
        "overrides": {"s-plat": [
            {"alias": "ov-1", "user": {"type": "user", "id": "u-cy", "username": "cy@example.com"},
             "startDate": "2026-03-01T09:00:00Z", "endDate": "2026-03-02T09:00:00Z",
             "rotations": [{"id": "r1", "name": "Primary"}]}]},
        "escalations": [
            {"id": "e1", "name": "Platform default", "ownerTeam": {"id": "t1"}, "rules": [
                {"condition": "if-not-acked", "notifyType": "default",
                 "delay": {"timeAmount": 0, "timeUnit": "minutes"}, "recipient": schedule_recipient},
                {"condition": "if-not-acked", "notifyType": "next",
                 "delay": {"timeAmount": 5, "timeUnit": "minutes"}, "recipient": schedule_recipient},
                {"condition": "if-not-acked", "notifyType": "default",
                 "delay": {"timeAmount": 15, "timeUnit": "minutes"},
                 "recipient": {"type": "user", "id": "u-ana", "username": "ana@example.com"}},
             ], "repeat": {"waitInterval": 10, "count": 1, "resetRecipientStates": False,
                           "closeAlertAfterAll": False}}
        ],
        "services": [{"id": "svc-api", "name": "API", "teamId": "t1", "description": "Public API"},
                     {"id": "svc-web", "name": "Web app", "teamId": "t1", "description": ""}],
        "integrations": [{"id": "i1", "name": "Prometheus", "enabled": True, "type": "Prometheus"},
                         {"id": "i2", "name": "Email", "enabled": True, "type": "Email"}],
        "alerts": alerts,
        "logs": logs,
    }  # fmt: skip


def grafana_oncall() -> dict[str, Any]:
    groups: list[dict[str, Any]] = []
    notes: dict[str, Any] = {}
    for i in range(30):
        opened, acked, resolved = incident_times(i)
        groups.append(
            {"id": f"AG{i:03d}", "integration_id": "CI1" if i % 2 == 0 else "CI2", "route_id": "R1",
             "alerts_count": 1, "state": "resolved", "title": f"Incident {i + 1}",
             "created_at": _z(opened), "acknowledged_at": _z(acked), "resolved_at": _z(resolved),
             "acknowledged_by": "UANA", "resolved_by": "UANA", "permalinks": {}}
        )  # fmt: skip
        notes[f"AG{i:03d}"] = [{"id": f"N{i}", "alert_group_id": f"AG{i:03d}", "author": "UANA",
                                "source": "web", "created_at": _z(resolved), "text": "Restarted the pod"}]  # fmt: skip
    shift = {"type": "rolling_users", "time_zone": "Europe/Paris", "start": "2026-01-05T09:00:00",
             "duration": 604800, "frequency": "weekly", "interval": 1, "week_start": "MO"}  # fmt: skip
    return {
        "users": [{"id": f"U{n.upper()}", "email": f"{n}@example.com", "username": n, "role": "user"}
                  for n, _ in PEOPLE],
        "on_call_shifts": [
            {**shift, "id": "OS1", "name": "Primary", "level": 1, "rolling_users": [["UANA"], ["UBO"]]},
            {**shift, "id": "OS2", "name": "Secondary", "level": 2, "by_day": ["MO", "TU", "WE", "TH", "FR"],
             "rolling_users": [["UCY"], ["UZOE"]]},
            {"id": "OS3", "name": "Cy covers", "type": "override", "time_zone": "UTC",
             "start": "2026-03-01T09:00:00", "duration": 86400, "users": ["UCY"]},
        ],
        "schedules": [{"id": "SPLAT", "name": "Platform", "type": "calendar", "time_zone": "Europe/Paris",
                       "shifts": ["OS1", "OS2", "OS3"]}],
        "escalation_chains": [{"id": "EC1", "name": "Platform default", "team_id": None}],
        "escalation_policies": [
            {"id": "EP1", "escalation_chain_id": "EC1", "position": 0,
             "type": "notify_on_call_from_schedule", "notify_on_call_from_schedule": "SPLAT"},
            {"id": "EP2", "escalation_chain_id": "EC1", "position": 1, "type": "wait", "duration": 300},
            {"id": "EP3", "escalation_chain_id": "EC1", "position": 2, "type": "notify_persons",
             "persons_to_notify": ["UBO"]},
            {"id": "EP4", "escalation_chain_id": "EC1", "position": 3, "type": "wait", "duration": 600},
            {"id": "EP5", "escalation_chain_id": "EC1", "position": 4, "type": "notify_persons",
             "persons_to_notify": ["UANA"]},
        ],
        "integrations": [
            {"id": "CI1", "name": "API", "type": "alertmanager",
             "link": "https://oncall.example/integrations/v1/alertmanager/abc/",
             "default_route": {"escalation_chain_id": "EC1"}},
            {"id": "CI2", "name": "Web app", "type": "grafana_alerting",
             "link": "https://oncall.example/integrations/v1/grafana_alerting/def/",
             "default_route": {"escalation_chain_id": "EC1"}},
        ],
        "alert_groups": groups,
        "resolution_notes": notes,
    }  # fmt: skip


# --- Teams whose rotations carry the fields that decide who is on call -------------
#
# Seen from outside (issue 27, item 1): start indices, rotations that ended, Opsgenie's
# reserved participant `none`, overrides in the future, iCal schedules, delays in other
# units and "if not closed". The clock of these tests is NOW, a Wednesday; the live
# weekly rotations hand off on Mondays at 09:00 Paris time (08:00Z in winter) and have
# done so since 5 January 2026, so NOW is in turn 8.

NOW = datetime.datetime(2026, 3, 4, 10, 0, tzinfo=datetime.UTC)
# Overrides of next week and of June: past the history window (it ends at NOW).
NEXT_WEEK = ("2026-03-10T09:00:00Z", "2026-03-11T09:00:00Z")
JUNE = ("2026-06-01T09:00:00Z", "2026-06-02T09:00:00Z")


def pagerduty_rotations() -> dict[str, Any]:
    """A layer that ended in January, and the live one whose virtual start is two turns
    before its start (so its first week is Cy's, the third user's); overrides from the
    past, next week and June (PagerDuty: Schedules, Overrides)."""
    data = pagerduty()

    def user(n: str) -> dict[str, Any]:
        return {"user": {"id": f"PU{n.upper()}", "type": "user_reference"}}

    weekly = {"rotation_turn_length_seconds": 604800, "restrictions": []}
    data["schedule_details"]["PSPLAT"]["schedule_layers"] = [
        {**weekly, "id": "PL1", "name": "Current", "start": "2026-01-05T09:00:00+01:00",
         "rotation_virtual_start": "2025-12-22T09:00:00+01:00", "end": None,
         "users": [user("ana"), user("bo"), user("cy")]},
        {**weekly, "id": "PL0", "name": "Old", "start": "2025-10-06T09:00:00+02:00",
         "rotation_virtual_start": "2025-10-06T09:00:00+02:00", "end": "2026-01-05T09:00:00+01:00",
         "users": [user("bo"), user("ana")]},
    ]  # fmt: skip
    data["overrides"]["PSPLAT"] += [
        {"id": "PO2", "start": NEXT_WEEK[0], "end": NEXT_WEEK[1], "user": {"id": "PUBO"}},
        {"id": "PO3", "start": JUNE[0], "end": JUNE[1], "user": {"id": "PUANA"}},
    ]
    return data


def opsgenie_rotations() -> dict[str, Any]:
    """[Ana, none, Bo] weekly since 5 January (turn 8 is Bo's, Opsgenie's third slot), a
    rotation that ended in January, an override next week; escalation delays in seconds
    and "miliseconds" (Opsgenie's spelling) and an "if-not-closed" rule (Opsgenie:
    Schedule Rotation API, Escalation API)."""
    data = opsgenie()

    def participant(n: str) -> dict[str, str]:
        return {"type": "user", "id": f"u-{n}", "username": f"{n}@example.com"}

    weekly = {"type": "weekly", "length": 1}
    data["schedules"][0]["rotations"] = [
        {**weekly, "id": "r0", "name": "Old", "startDate": "2025-10-06T07:00:00Z",
         "endDate": "2026-01-05T08:00:00Z", "participants": [participant("bo"), participant("ana")]},
        {**weekly, "id": "r1", "name": "Current", "startDate": "2026-01-05T08:00:00Z",
         "participants": [participant("ana"), {"type": "none"}, participant("bo")]},
    ]  # fmt: skip
    data["overrides"]["s-plat"] = [
        {"alias": "ov-2", "user": {"type": "user", "id": "u-cy", "username": "cy@example.com"},
         "startDate": NEXT_WEEK[0], "endDate": NEXT_WEEK[1], "rotations": [{"id": "r1", "name": "Current"}]},
    ]  # fmt: skip
    rules = data["escalations"][0]["rules"]
    rules[1]["delay"] = {"timeAmount": 300, "timeUnit": "seconds"}
    rules[2] |= {
        "condition": "if-not-closed",
        "delay": {"timeAmount": 900000, "timeUnit": "miliseconds"},
    }
    return data


def without_service_api(data: dict[str, Any]) -> dict[str, Any]:
    """An Opsgenie account whose plan has no Service API (Standard and Enterprise only)."""
    return data | {"services_status": 403}


def grafana_oncall_rotations() -> dict[str, Any]:
    """A shift that repeated until January (level 0, so it sorts first), the live one
    [[Bo], [Ana]] starting from user index 1 (turn 8 is Ana's) and an override next week
    (Grafana OnCall: OnCall shifts, Schedules)."""
    data = grafana_oncall()
    weekly = {"type": "rolling_users", "time_zone": "Europe/Paris", "duration": 604800,
              "frequency": "weekly", "interval": 1, "week_start": "MO"}  # fmt: skip
    data["on_call_shifts"] = [
        {**weekly, "id": "OS0", "name": "Old", "level": 0, "start": "2025-10-06T09:00:00",
         "until": "2025-12-29T09:00:00", "rolling_users": [["UANA"], ["UBO"]]},
        {**weekly, "id": "OS1", "name": "Current", "level": 1, "start": "2026-01-05T09:00:00",
         "until": None, "start_rotation_from_user_index": 1, "rolling_users": [["UBO"], ["UANA"]]},
        {"id": "OS3", "name": "Cy covers", "type": "override", "time_zone": "UTC",
         "start": NEXT_WEEK[0].removesuffix("Z"), "duration": 86400, "users": ["UCY"]},
    ]  # fmt: skip
    data["schedules"] = [
        {"id": "SPLAT", "name": "Platform", "type": "calendar", "time_zone": "Europe/Paris",
         "shifts": ["OS0", "OS1", "OS3"]},
    ]  # fmt: skip
    return data


def with_ical_schedule(data: dict[str, Any]) -> dict[str, Any]:
    """Grafana OnCall's documented iCal schedule example: its shifts live in the feeds."""
    data["schedules"] = data["schedules"] + [
        {"id": "SLEGACY", "name": "Legacy", "type": "ical", "team_id": None, "time_zone": None,
         "ical_url_primary": "https://example.com/meow_calendar.ics",
         "ical_url_overrides": "https://example.com/meow_calendar_overrides.ics",
         "on_call_now": ["UANA"], "shifts": None},
    ]  # fmt: skip
    return data
