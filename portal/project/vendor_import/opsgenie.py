"""Opsgenie REST API v2 (https://docs.opsgenie.com/docs/api-overview), EU host included.

Auth `Authorization: GenieKey <key>`; lists answer `{"data": [...], "paging": {"next":
URL}}` and are followed through `paging.next`; 429 means throttled (waits, retries).
Opsgenie alerts (with `report.ackTime` / `report.closeTime`) become the history.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from portal.project.vendor_import import vendor_oncall
from portal.project.vendor_import.build import Builder, MigrationResult, instant, iso, slug
from portal.project.vendor_import.http import JsonClient

BASE_URL = "https://api.opsgenie.com"
EU_BASE_URL = "https://api.eu.opsgenie.com"
PAGE = 100
_KINDS = {"prometheus": "alertmanager", "alertmanager": "alertmanager", "sentry": "sentry",
          "uptimekuma": "uptime", "pagerduty": "pagerduty", "grafana": "grafana",
          "datadog": "datadog"}  # fmt: skip
# Opsgenie's duration units in seconds, spelled as its API spells them ("miliseconds");
# a month has no fixed length and is read as 30 days (reported).
_UNIT_SECONDS = {"miliseconds": 0.001, "milliseconds": 0.001, "seconds": 1, "minutes": 60,
                 "hours": 3600, "days": 86400, "weeks": 7 * 86400, "months": 30 * 86400}  # fmt: skip


def base_url(*, eu: bool) -> str:
    """Accounts in Opsgenie's EU region answer on their own host only."""
    return EU_BASE_URL if eu else BASE_URL


def client(api_key: str, base_url: str = BASE_URL, **kwargs: Any) -> JsonClient:
    return JsonClient(base_url, {"Authorization": f"GenieKey {api_key}"}, **kwargs)


def pages(api: JsonClient, path: str, **params: Any) -> Iterator[dict[str, Any]]:
    body = api.get(path, {**params, "limit": PAGE, "offset": 0})
    while True:
        data = body["data"]
        yield from data if isinstance(data, list) else data.get("logs", [])
        following = (body.get("paging") or {}).get("next")
        if not following or not data:
            return
        body = api.get(following)


def migrate(api: JsonClient, builder: Builder) -> MigrationResult:
    for user in pages(api, "/v2/users"):
        builder.add_user(user["id"], user.get("username"), user.get("fullName", ""))
    builder.lose(
        "notification targets: user contact methods and notification rules are not migrated; "
        "the portal pages by e-mail or through a step's channel"
    )
    schedule_layers: dict[str, tuple[str, dict[str, str]]] = {}
    for schedule in pages(api, "/v2/schedules", expand="rotation"):
        item, rotations = _schedule(api, builder, schedule)
        schedule_layers[schedule["id"]] = (item["name"], rotations)
        builder.document["schedules"].append(item)
    for escalation in pages(api, "/v2/escalations"):
        builder.document["escalation_policies"].append(
            _escalation(builder, escalation, schedule_layers)
        )
    # The Service API is on Standard and Enterprise plans only; others answer 403.
    for service in builder.optional("services (/v1/services)", lambda: pages(api, "/v1/services")):
        builder.document["services"].append(
            {"slug": slug(service["name"]), "name": service["name"][:100],
             "description": (service.get("description") or "")[:300]}
        )  # fmt: skip
    for integration in pages(api, "/v2/integrations"):
        _integration(builder, integration)
    for alert in pages(api, "/v2/alerts", query="status:closed", sort="createdAt", order="asc"):
        builder.document["history"].append(_history(api, builder, alert))
    return builder.result()


def _schedule(
    api: JsonClient, builder: Builder, schedule: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    name, tz = schedule["name"], schedule.get("timezone") or "UTC"
    layers, rotations, by_id = [], [], {}
    for rotation in schedule.get("rotations", []):
        where = f"schedule {name} / {rotation['name']}"
        unit = {"weekly": 7 * 86400, "daily": 86400, "hourly": 3600}[rotation["type"]]
        members: list[str | None] = []
        for participant in rotation.get("participants", []):
            kind = participant.get("type")
            if kind == "none":  # Opsgenie's reserved participant: nobody for that turn
                members.append(None)
                continue
            if kind != "user":
                builder.lose(f"{where}: a {kind} participant has no equivalent; its turns are gaps")
                members.append(None)
                continue
            members.append(builder.user(participant["id"], where))
        item = builder.rotation(
            where=where, layer=rotation["name"][:60], time_zone=tz,
            origin=instant(rotation["startDate"], tz), turn_seconds=unit * rotation.get("length", 1),
            members=members,
            end=instant(rotation["endDate"], tz) if rotation.get("endDate") else None,
        )  # fmt: skip
        if item is None:
            continue
        if rotation.get("timeRestriction"):
            builder.lose(f"{where}: time-restricted rotation imported as a full-time rotation")
        layers.append(item["layer"])
        by_id[rotation["id"]] = item["layer"]
        rotations.append(item)
    overrides = []
    listed = api.get(f"/v2/schedules/{schedule['id']}/overrides")["data"]
    for override in listed:
        user = builder.user(override["user"].get("id", ""), f"schedule {name} override")
        named = [r["id"] for r in override.get("rotations", [])]
        targets = [by_id[r] for r in named if r in by_id] if named else layers
        if named and not targets:
            builder.lose(
                f"schedule {name} override {override['alias']}: its rotations ended; not imported"
            )
        for layer in targets if user else []:
            overrides.append(
                {"layer": layer, "user": user, "start": iso(override["startDate"]),
                 "end": iso(override["endDate"]), "reason": f"Opsgenie override {override['alias']}"}
            )  # fmt: skip
    builder.vendor_schedules.append(vendor_oncall.opsgenie(schedule, listed))
    item = {"name": name[:120], "time_zone": tz, "description": schedule.get("description") or "",
            "layers": layers or ["primary"], "rotations": rotations, "overrides": overrides}  # fmt: skip
    return item, by_id


def _escalation(
    builder: Builder, escalation: dict[str, Any], schedules: dict[str, tuple[str, dict[str, str]]]
) -> dict[str, Any]:
    steps, previous = [], 0
    for number, rule in enumerate(escalation.get("rules", []), start=1):
        where = f"escalation {escalation['name']} rule {number}"
        delay = rule.get("delay") or {}
        unit = delay.get("timeUnit") or "minutes"
        if unit not in _UNIT_SECONDS:
            builder.lose(f"{where}: delay unit {unit} unknown; read as minutes")
        elif unit == "months":
            builder.lose(f"{where}: a delay in months read as 30 days each")
        # Opsgenie counts each rule's delay from the alert's creation.
        at = builder.minutes(delay.get("timeAmount", 0) * _UNIT_SECONDS.get(unit, 60), where)
        condition = rule.get("condition") or "if-not-acked"
        if condition not in ("if-not-acked", "if-not-closed"):
            builder.lose(f"{where}: condition {condition} read as 'if not acknowledged'")
        recipient, notify = rule.get("recipient") or {}, rule.get("notifyType", "default")
        step: dict[str, Any] = {
            "delay_minutes": max(0, at - previous),
            "condition": "unresolved" if condition == "if-not-closed" else "unacknowledged",
        }
        if recipient.get("type") == "schedule" and recipient.get("id") in schedules:
            if notify not in ("default", "next", "all"):
                builder.lose(f"{where}: notify type {notify} has no equivalent; left out")
                continue
            target = "next_in_rotation" if notify == "next" else "schedule"
            step |= {"target": target, "schedule": schedules[recipient["id"]][0]}
            if target == "next_in_rotation":
                step["layer"] = next(iter(schedules[recipient["id"]][1].values()), None)
        elif recipient.get("type") == "user":
            user = builder.user(recipient.get("id", ""), where)
            if user is None:
                continue
            step |= {"target": "user", "user": user}
        else:
            builder.lose(
                f"{where}: recipient type {recipient.get('type')} has no equivalent; left out"
            )
            continue
        previous = at
        steps.append(step)
    builder.lose(
        f"escalation {escalation['name']}: Opsgenie picks it by team and routing rule; the "
        "portal picks it by severity (set escalation_policies[].levels)"
    )
    repeat = escalation.get("repeat") or {}
    return {"name": escalation["name"][:120], "description": escalation.get("description") or "",
            "repeat": repeat.get("count", 0), "repeat_after_minutes": repeat.get("waitInterval", 5),
            "levels": [], "steps": steps}  # fmt: skip


def _integration(builder: Builder, integration: dict[str, Any]) -> None:
    itype = integration.get("type", "")
    kind = _KINDS.get(itype.lower())
    if kind is None:
        builder.lose(f"integration {integration['name']} ({itype}): no portal equivalent; left out")
        return
    name = integration["name"][:100]
    builder.document["integrations"].append(
        {"name": name, "kind": kind, "enabled": bool(integration.get("enabled", True))}
    )
    builder.checklist.append(
        f"Opsgenie {integration['name']} ({itype}) → portal integration {name!r} ({kind})"
    )


def _history(api: JsonClient, builder: Builder, alert: dict[str, Any]) -> dict[str, Any]:
    created = datetime.datetime.fromisoformat(alert["createdAt"].replace("Z", "+00:00"))
    report = alert.get("report") or {}

    def after(ms: int | None) -> str | None:
        return (
            None if ms is None else iso((created + datetime.timedelta(milliseconds=ms)).isoformat())
        )

    log = [
        {
            "at": iso(entry["createdAt"]),
            "text": f"{entry.get('owner') or 'Opsgenie'}: {entry['log']}",
        }
        for entry in pages(api, f"/v2/alerts/{alert['id']}/logs", identifierType="id")
    ]
    return {
        "source": f"opsgenie:{alert['id']}",
        "title": alert.get("message") or alert["tinyId"],
        "severity": builder.severity(alert.get("priority")),
        "service": None,
        "declared_at": iso(alert["createdAt"]),
        "acknowledged_at": after(report.get("ackTime")),
        "resolved_at": after(report.get("closeTime")) or iso(alert.get("updatedAt")),
        "log": sorted(log, key=lambda e: e["at"] or ""),
    }
