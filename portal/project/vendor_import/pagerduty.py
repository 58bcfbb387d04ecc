"""PagerDuty REST API v2 (https://developer.pagerduty.com/api-reference/).

Auth `Authorization: Token token=<key>` (a read-only key is enough); classic
pagination (`limit`, `offset`, `more`); 429 carries `ratelimit-reset`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from portal.project.vendor_import import vendor_oncall
from portal.project.vendor_import.build import Builder, MigrationResult, instant, iso, slug
from portal.project.vendor_import.http import JsonClient

BASE_URL = "https://api.pagerduty.com"
PAGE = 100
# `/incidents` answers 400 to a since–until range over 6 months (API reference, List
# incidents: "The maximum range is 6 months"); 180 days is within 6 months whatever
# the months.
INCIDENT_WINDOW = datetime.timedelta(days=180)
# Overrides are listed for a range too; future ones are read this far ahead of now.
OVERRIDES_AHEAD = datetime.timedelta(days=366)
_KINDS = (("prometheus", "alertmanager"), ("alertmanager", "alertmanager"), ("sentry", "sentry"),
          ("uptime kuma", "uptime"), ("kuma", "uptime"))  # fmt: skip


def client(api_key: str, base_url: str = BASE_URL, **kwargs: Any) -> JsonClient:
    headers = {
        "Authorization": f"Token token={api_key}",
        "Accept": "application/vnd.pagerduty+json;version=2",
    }
    return JsonClient(base_url, headers, **kwargs)


def pages(api: JsonClient, path: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        body = api.get(path, {**params, "limit": PAGE, "offset": offset})
        yield from body[key]
        if not body.get("more"):
            return
        offset += len(body[key])


def migrate(api: JsonClient, builder: Builder, *, since: str, until: str) -> MigrationResult:
    contact_types: dict[str, int] = {}
    for user in pages(api, "/users", "users", **{"include[]": "contact_methods"}):
        builder.add_user(user["id"], user.get("email"), user.get("name", ""))
        for method in user.get("contact_methods", []):
            kind = method.get("type", "contact_method").replace("_contact_method", "")
            contact_types[kind] = contact_types.get(kind, 0) + 1
    if contact_types:
        summary = ", ".join(f"{n} {k}" for k, n in sorted(contact_types.items()))
        builder.lose(
            f"notification targets: user contact methods ({summary}) are not migrated; the "
            "portal pages by e-mail or through a step's channel"
        )
    schedule_names: dict[str, str] = {}
    for listed in pages(api, "/schedules", "schedules"):
        schedule = api.get(f"/schedules/{listed['id']}")["schedule"]
        schedule_names[schedule["id"]] = schedule["name"]
        ahead = iso((builder.now + OVERRIDES_AHEAD).isoformat())
        overrides = api.get(
            f"/schedules/{schedule['id']}/overrides", {"since": since, "until": ahead}
        )["overrides"]
        builder.document["schedules"].append(_schedule(builder, schedule, overrides))
        builder.vendor_schedules.append(vendor_oncall.pagerduty(schedule, overrides))
    for policy in pages(api, "/escalation_policies", "escalation_policies"):
        builder.document["escalation_policies"].append(_escalation(builder, policy, schedule_names))
    service_slugs: dict[str, str] = {}
    for service in pages(api, "/services", "services", **{"include[]": "integrations"}):
        service_slugs[service["id"]] = slug(service["name"])
        builder.document["services"].append(
            {"slug": slug(service["name"]), "name": service["name"][:100],
             "description": (service.get("description") or "")[:300]}
        )  # fmt: skip
        policy_name = (service.get("escalation_policy") or {}).get("summary")
        if policy_name:
            builder.lose(
                f"service {service['name']}: PagerDuty picks escalation policy {policy_name!r} by "
                "service; the portal picks it by severity (set escalation_policies[].levels)"
            )
        for integration in service.get("integrations", []):
            _integration(builder, service, integration)
    seen: set[str] = set()
    for start, end in windows(since, until):
        for incident in pages(
            api, "/incidents", "incidents", since=start, until=end,
            **{"statuses[]": "resolved"}, time_zone="UTC",
        ):  # fmt: skip
            if incident["id"] not in seen:  # one on a window's edge is listed twice
                seen.add(incident["id"])
                builder.document["history"].append(_history(api, builder, incident, service_slugs))
    return builder.result()


def windows(since: str, until: str) -> list[tuple[str, str]]:
    """[since, until) cut into consecutive ranges that `/incidents` accepts."""
    start, end = instant(since), instant(until)
    out = []
    while start < end:
        stop = min(end, start + INCIDENT_WINDOW)
        out.append((iso(start.isoformat()) or "", iso(stop.isoformat()) or ""))
        start = stop
    return out


def _schedule(
    builder: Builder, schedule: dict[str, Any], overrides: list[dict[str, Any]]
) -> dict[str, Any]:
    name, tz = schedule["name"], schedule.get("time_zone") or "UTC"
    rotations, layer_names = [], []
    for layer in schedule.get("schedule_layers", []):
        where = f"schedule {name} / {layer['name']}"
        # A user without a portal account keeps their turns, as gaps: dropping them would
        # hand everyone after them the wrong weeks.
        members = [builder.user(m["user"]["id"], where) for m in layer.get("users", [])]
        rotation = builder.rotation(
            where=where, layer=layer["name"][:60], time_zone=tz,
            origin=instant(layer["rotation_virtual_start"], tz),
            turn_seconds=layer["rotation_turn_length_seconds"], members=members,
            start=instant(layer["start"], tz) if layer.get("start") else None,
            end=instant(layer["end"], tz) if layer.get("end") else None,
        )  # fmt: skip
        if rotation is None:
            continue
        if layer.get("restrictions"):
            builder.lose(
                f"{where}: time-restricted rotation ({len(layer['restrictions'])} restrictions) "
                "imported as a full-time rotation"
            )
        layer_names.append(rotation["layer"])
        rotations.append(rotation)
    if len(layer_names) > 1:
        builder.lose(
            f"schedule {name}: PagerDuty layers stack (a higher layer hides the ones below); "
            "portal layers are all on call at once (primary, secondary…)"
        )
    out_overrides = []
    for override in overrides:
        user = builder.user(override["user"]["id"], f"schedule {name} override")
        if user is not None and layer_names:
            out_overrides.append(
                {"layer": layer_names[0], "user": user, "start": iso(override["start"]),
                 "end": iso(override["end"]), "reason": f"PagerDuty override {override['id']}"}
            )  # fmt: skip
    if out_overrides and len(layer_names) > 1:
        builder.lose(
            f"schedule {name}: whole-schedule overrides placed on layer {layer_names[0]!r}"
        )
    return {"name": name[:120], "time_zone": tz, "description": schedule.get("description") or "",
            "layers": layer_names or ["primary"], "rotations": rotations,
            "overrides": out_overrides}  # fmt: skip


def _escalation(
    builder: Builder, policy: dict[str, Any], schedules: dict[str, str]
) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    delay = 0
    rules = policy.get("escalation_rules", [])
    for number, rule in enumerate(rules, start=1):
        where = f"escalation policy {policy['name']} rule {number}"
        for position, target in enumerate(rule.get("targets", [])):
            step: dict[str, Any] = {"delay_minutes": delay if position == 0 else 0}
            if target["type"] in ("schedule_reference", "schedule"):
                step |= {"target": "schedule", "schedule": schedules.get(target["id"])}
            elif target["type"] in ("user_reference", "user"):
                user = builder.user(target["id"], where)
                if user is None:
                    continue
                step |= {"target": "user", "user": user}
            else:
                builder.lose(f"{where}: target type {target['type']} has no equivalent; left out")
                continue
            steps.append(step)
        delay = builder.minutes(rule.get("escalation_delay_in_minutes", 0) * 60, where)
    return {"name": policy["name"][:120], "description": policy.get("description") or "",
            "repeat": policy.get("num_loops", 0), "repeat_after_minutes": delay if rules else 5,
            "levels": [], "steps": steps}  # fmt: skip


def _integration(builder: Builder, service: dict[str, Any], integration: dict[str, Any]) -> None:
    summary = integration.get("summary") or integration.get("name") or integration["id"]
    vendor = ((integration.get("vendor") or {}).get("summary") or summary).lower()
    kind = next((k for word, k in _KINDS if word in vendor), None)
    itype = integration.get("type", "")
    if kind is None and "email" in itype:
        builder.lose(f"integration {summary} ({itype}): e-mail ingestion has no equivalent")
        return
    kind = kind or "pagerduty"  # anything speaking the Events API talks to the portal as is
    name = f"{service['name']}: {summary}"[:100]
    builder.document["integrations"].append(
        {"name": name, "kind": kind, "service": slug(service["name"])}
    )
    builder.checklist.append(
        f"PagerDuty {service['name']} / {summary} ({itype}) → portal integration {name!r} ({kind})"
    )


def _history(
    api: JsonClient, builder: Builder, incident: dict[str, Any], services: dict[str, str]
) -> dict[str, Any]:
    acknowledged = resolved = None
    log = []
    for entry in pages(api, f"/incidents/{incident['id']}/log_entries", "log_entries"):
        kind = entry.get("type", "")
        if kind.startswith("acknowledge") and acknowledged is None:
            acknowledged = iso(entry["created_at"])
        if kind.startswith("resolve"):
            resolved = iso(entry["created_at"])
        log.append({"at": iso(entry["created_at"]), "text": entry.get("summary") or kind})
    priority = (incident.get("priority") or {}).get("summary")
    return {
        "source": f"pagerduty:{incident['id']}",
        "title": incident.get("title") or incident.get("summary") or incident["id"],
        "severity": builder.severity(priority),
        "service": services.get((incident.get("service") or {}).get("id", "")),
        "declared_at": iso(incident["created_at"]),
        "acknowledged_at": acknowledged,
        "resolved_at": resolved
        or iso(incident.get("resolved_at") or incident.get("last_status_change_at")),
        "log": sorted(log, key=lambda e: e["at"] or ""),
    }
