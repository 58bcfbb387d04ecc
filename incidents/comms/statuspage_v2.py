"""The status page in Atlassian Statuspage's public API v2 shapes (`/status/api/v2/…`).

Statuspage documents these endpoints on every hosted page's `/api` reference (e.g.
https://confluence.status.atlassian.com/api): `summary.json`, `status.json`,
`components.json`, `incidents.json` (the 50 most recent), `incidents/unresolved.json`
(investigating, identified, monitoring), `scheduled-maintenances.json` and its
`upcoming.json` / `active.json`. Widgets, aggregators and clients (the `statuspage.io`
npm package, …) read them unchanged.

How the portal's facts map, nothing invented:

- page: `id` "status", `name` PORTAL_NAME, `time_zone` "Etc/UTC" (everything is UTC),
  `updated_at` the latest change any incident or component shows.
- components are the public services: `id` the slug, `created_at`/`updated_at` from the
  audit log (first and last entry about the service) and the latest public incident
  that touched it; no groups, `showcase` true, `only_show_if_degraded` false.
- incidents: `id` the reference, `name` the public title, `monitoring_at` when impact was
  mitigated (the portal's move to monitoring) or the first public "monitoring" update;
  closed incidents read "resolved"; every update was mailed to subscribers
  (`deliver_notifications` true); updates do not record which components changed
  (`affected_components` null, as Statuspage sends for such updates).
- scheduled maintenances: the portal has no planned maintenance, so these lists are
  always empty (never invented).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max, Min
from django.urls import reverse

from incidents.choices import OPEN_STATUSES, IncidentStatus
from incidents.comms import page_cache
from incidents.comms.status_page import (
    incident_data,
    public_incidents,
    status_snapshot,
    with_public_parts,
)
from incidents.models import Incident, Service
from portal.audit.models import AuditEntry

PAGE_ID = "status"
RECENT_INCIDENTS = 50  # Statuspage: "the 50 most recent incidents"


def iso(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z") if value else None


def absolute(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{path}"


def _public_status(status: str) -> str:
    """Statuspage's incident/update statuses: the open ones as they are, else resolved."""
    return status if status in OPEN_STATUSES else IncidentStatus.RESOLVED.value


def _component_times(ids: list[int]) -> dict[int, tuple[datetime.datetime, datetime.datetime]]:
    """(created_at, updated_at) per service: audit log, then public incidents touching it."""
    audit = {
        int(row["object_id"]): (row["first"], row["last"])
        for row in AuditEntry.objects.filter(
            object_type=Service._meta.label_lower, object_id__in=[str(i) for i in ids]
        )
        .values("object_id")
        .annotate(first=Min("at"), last=Max("at"))
        .order_by()
    }
    touched = {
        row["services__id"]: max(t for t in (row["declared"], row["resolved"]) if t)
        for row in public_incidents()
        .filter(services__id__in=ids)
        .values("services__id")
        .annotate(declared=Max("declared_at"), resolved=Max("resolved_at"))
        .order_by()
    }
    times = {}
    for pk in ids:
        known = [t for t in (*audit.get(pk, ()), touched.get(pk)) if t is not None]
        if known:
            times[pk] = (min(known), max(known))
    return times


def _components(snap: dict[str, Any], fallback: datetime.datetime) -> list[dict[str, Any]]:
    times = _component_times([c["id"] for c in snap["components"]])
    out = []
    for n, c in enumerate(snap["components"]):
        created, updated = times.get(c["id"], (fallback, fallback))
        out.append(
            {
                "id": c["slug"],
                "name": c["name"],
                "status": c["status"],
                "created_at": iso(created),
                "updated_at": iso(updated),
                "position": n + 1,
                "description": c["description"] or None,
                "showcase": True,
                "start_date": None,
                "group_id": None,
                "page_id": PAGE_ID,
                "group": False,
                "only_show_if_degraded": False,
            }
        )
    return out


def _incident(
    data: dict[str, Any], incident: Incident, components: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    ref = data["ref"]
    updates = data["updates"]  # newest first, as Statuspage lists them
    # Resolving also marks an incident mitigated (same instant): it never was monitored.
    mitigated = incident.mitigated_at if incident.mitigated_at != incident.resolved_at else None
    monitoring = mitigated or min(
        (u["at"] for u in updates if u["status"] == IncidentStatus.MONITORING), default=None
    )
    resolved = data["resolved_at"] if data["status"] not in OPEN_STATUSES else None
    times = [data["declared_at"], monitoring, resolved, *(u["at"] for u in updates)]
    return {
        "id": ref,
        "name": data["title"],
        "status": _public_status(data["status"]),
        "created_at": iso(data["declared_at"]),
        "updated_at": iso(max(t for t in times if t is not None)),
        "monitoring_at": iso(monitoring),
        "resolved_at": iso(resolved),
        "impact": data["impact"],
        "shortlink": absolute(reverse("comms:incident", args=[ref])),
        "started_at": iso(data["started_at"]),
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": u["id"],
                "status": _public_status(u["status"]),
                "body": u["body"],
                "incident_id": ref,
                "created_at": iso(u["at"]),
                "updated_at": iso(u["at"]),
                "display_at": iso(u["at"]),
                "affected_components": None,
                "deliver_notifications": True,
            }
            for u in updates
        ],
        "components": [
            components[c["slug"]] for c in data["components"] if c["slug"] in components
        ],
    }


def _build() -> dict[str, Any]:
    snap = status_snapshot()
    recent = list(
        with_public_parts(public_incidents().order_by("-declared_at", "-id"))[:RECENT_INCIDENTS]
    )
    dicts = [(incident_data(i), i) for i in recent]
    latest = [d["updated_at"] for d, _ in dicts] + [d["resolved_at"] for d, _ in dicts]
    known = [t for t in latest if t is not None]
    fallback = max(known, default=snap["updated_at"])
    components = _components(snap, fallback)
    by_slug = {c["id"]: c for c in components}
    incidents = [_incident(d, i, by_slug) for d, i in dicts]
    stamps = [i["updated_at"] for i in incidents] + [c["updated_at"] for c in components]
    page = {
        "id": PAGE_ID,
        "name": settings.PORTAL_NAME,
        "url": absolute(reverse("comms:status")),
        "time_zone": "Etc/UTC",
        "updated_at": max(stamps, default=None) or iso(snap["updated_at"]),
    }
    return {
        "page": page,
        "status": dict(snap["status"]),
        "components": components,
        "incidents": incidents,
        "unresolved": [i for i in incidents if i["status"] in OPEN_STATUSES],
        "banner": snap["banner"],
    }


def documents() -> dict[str, Any]:
    """Everything the v2 endpoints answer (cached with the status page)."""
    return page_cache.cached("statuspage-v2", _build)


def summary() -> dict[str, Any]:
    data = documents()
    return {
        "page": data["page"],
        "components": data["components"],
        "incidents": data["unresolved"],
        "scheduled_maintenances": [],
        "status": data["status"],
    }


def document(name: str) -> dict[str, Any]:
    """The body of `/status/api/v2/<name>`; KeyError for an unknown name."""
    data = documents()
    page = {"page": data["page"]}
    bodies = {
        "summary.json": summary,
        "status.json": lambda: {**page, "status": data["status"]},
        "components.json": lambda: {**page, "components": data["components"]},
        "incidents.json": lambda: {**page, "incidents": data["incidents"]},
        "incidents/unresolved.json": lambda: {**page, "incidents": data["unresolved"]},
        "scheduled-maintenances.json": lambda: {**page, "scheduled_maintenances": []},
        "scheduled-maintenances/upcoming.json": lambda: {**page, "scheduled_maintenances": []},
        "scheduled-maintenances/active.json": lambda: {**page, "scheduled_maintenances": []},
    }
    return bodies[name]()


ENDPOINTS = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
)
