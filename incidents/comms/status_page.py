"""Reads for the public status page, feed and summary: plain dicts, cached.

Only what customers may see leaves this module: no names, no notes, no timeline,
no drills, no non-production or cancelled incidents, only public updates. Each
read is a constant number of queries (pinned by tests), whatever the history.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from incidents.choices import (
    OPEN_STATUSES,
    CommsChannel,
    Environment,
    IncidentStatus,
)
from incidents.comms import page_cache
from incidents.comms.choices import MessageState
from incidents.comms.models import CommsMessage
from incidents.comms.public_titles import ALERT_SOURCES, public_title, title_of
from incidents.models import Incident, Service, StatusUpdate

HISTORY_DAYS = 90
FEED_ITEMS = 50
PAST_INCIDENTS = 50

IMPACT_BY_RANK = {1: "critical", 2: "major"}
COMPONENT_STATUS_BY_RANK = {1: "major_outage", 2: "partial_outage"}
COMPONENT_LABELS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
INDICATOR_DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
}


def impact_for_rank(rank: int | None) -> str:
    return "none" if rank is None else IMPACT_BY_RANK.get(rank, "minor")


def component_status_for_rank(rank: int | None) -> str:
    return (
        "operational"
        if rank is None
        else COMPONENT_STATUS_BY_RANK.get(rank, "degraded_performance")
    )


def public_incidents() -> QuerySet[Incident]:
    """Incidents customers may see: real (not a drill, not demo data, not history imported
    from another tool), production, customer-facing, not cancelled, published.

    Published means: a customer-facing title, or a public status update or message, or
    (declared by a person, not an alert) a level whose policy publishes on declaration.
    """
    published = (
        ~Q(public_title="")
        | Exists(StatusUpdate.objects.filter(incident=OuterRef("pk"), public=True))
        | Exists(CommsMessage.objects.filter(incident=OuterRef("pk"), public=True))
        | (Q(severity__publish_on_declare=True) & ~Q(detection_source__in=ALERT_SOURCES))
    )
    return (
        Incident.objects.filter(
            is_drill=False,
            is_demo=False,
            is_historical=False,
            environment=Environment.PRODUCTION,
            customer_facing=True,
        )
        .filter(published)
        .exclude(status=IncidentStatus.CANCELLED)
    )


def with_public_parts(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    return qs.select_related("severity").prefetch_related(
        Prefetch(
            "services",
            queryset=Service.objects.filter(public=True).order_by("name"),
            to_attr="public_services",
        ),
        Prefetch(
            "comms_messages",
            queryset=CommsMessage.objects.filter(public=True).order_by("-sent_at", "-id"),
            to_attr="public_messages",
        ),
        Prefetch(
            "status_updates",
            queryset=StatusUpdate.objects.filter(public=True).order_by("-posted_at", "-id"),
            to_attr="public_updates",
        ),
    )


def _update(kind: str, pk: int, status: str, body: str, at: datetime.datetime) -> dict[str, Any]:
    label = IncidentStatus(status).label if status in IncidentStatus.values else "Update"
    return {"id": f"{kind}{pk}", "status": status, "status_label": label, "body": body, "at": at}


def incident_data(incident: Incident) -> dict[str, Any]:
    # Filled by `with_public_parts` (Prefetch to_attr).
    messages: list[CommsMessage] = getattr(incident, "public_messages", [])
    status_updates: list[StatusUpdate] = getattr(incident, "public_updates", [])
    services: list[Service] = getattr(incident, "public_services", [])
    updates = [
        _update("m", m.pk, m.announced_status or incident.status, m.body, m.sent_at)
        for m in messages
    ]
    updates += [_update("u", u.pk, u.status, u.message, u.posted_at) for u in status_updates]
    updates.sort(key=lambda u: u["at"], reverse=True)
    started = incident.impact_started_at or incident.declared_at
    status = incident.status if incident.status in OPEN_STATUSES else IncidentStatus.RESOLVED
    return {
        "ref": incident.ref,
        "title": public_title(incident),
        "status": status,
        "status_label": IncidentStatus(status).label,
        "impact": impact_for_rank(incident.severity.rank),
        "rank": incident.severity.rank,
        "started_at": started,
        "declared_at": incident.declared_at,
        "resolved_at": incident.resolved_at,
        "updated_at": updates[0]["at"] if updates else incident.declared_at,
        "components": [{"slug": s.slug, "name": s.name} for s in services],
        "updates": updates,
    }


def _history(components: list[dict[str, Any]], today: datetime.date) -> list[dict[str, Any]]:
    """Per component, one bar per day for 90 days: the worst incident declared that day."""
    start = today - datetime.timedelta(days=HISTORY_DAYS - 1)
    since = datetime.datetime.combine(start, datetime.time(0), tzinfo=datetime.UTC)
    rows = (
        public_incidents()
        .filter(declared_at__gte=since)
        .values("services__id", day=TruncDate("declared_at", tzinfo=datetime.UTC))
        .annotate(worst=Min("severity__rank"), count=Count("id", distinct=True))
        .order_by()
    )
    worst: dict[tuple[int | None, datetime.date], tuple[int, int]] = {}
    for row in rows:
        worst[(row["services__id"], row["day"])] = (row["worst"], row["count"])
    days = [start + datetime.timedelta(days=i) for i in range(HISTORY_DAYS)]

    def bars(service_id: int | None) -> list[dict[str, Any]]:
        out = []
        for day in days:
            if service_id is None:
                found = [v for (sid, d), v in worst.items() if d == day]
                rank = min((v[0] for v in found), default=None)
                count = 0
            else:
                rank, count = worst.get((service_id, day), (None, 0))
            out.append({"day": day, "status": component_status_for_rank(rank), "count": count})
        return out

    history = [{"name": "All systems", "bars": bars(None)}]
    history += [{"name": c["name"], "bars": bars(c["id"])} for c in components]
    return history


def _build_snapshot() -> dict[str, Any]:
    now = timezone.now()
    components: list[dict[str, Any]] = [
        dict(row)
        for row in Service.objects.filter(public=True)
        .order_by("name")
        .values("id", "name", "slug", "description")
    ]
    open_incidents = [
        incident_data(i)
        for i in with_public_parts(
            public_incidents().filter(status__in=OPEN_STATUSES).order_by("-declared_at", "-id")
        )
    ]
    worst_by_component: dict[str, int] = {}
    for incident in open_incidents:
        for component in incident["components"]:
            previous = worst_by_component.get(component["slug"], incident["rank"])
            worst_by_component[component["slug"]] = min(previous, incident["rank"])
    for component in components:
        component["status"] = component_status_for_rank(worst_by_component.get(component["slug"]))
        component["status_label"] = COMPONENT_LABELS[component["status"]]
    worst_rank = min((i["rank"] for i in open_incidents), default=None)
    indicator = impact_for_rank(worst_rank)
    banner = (
        CommsMessage.objects.filter(
            channel=CommsChannel.IN_PRODUCT_BANNER,
            state=MessageState.PUBLISHED,
            incident__in=public_incidents().filter(status__in=OPEN_STATUSES),
        )
        .select_related("incident")
        .order_by("-sent_at", "-id")
        .first()
    )
    past: list[dict[str, Any]] = [
        dict(row)
        for row in public_incidents()
        .filter(
            status__in=(IncidentStatus.RESOLVED, IncidentStatus.CLOSED),
            declared_at__gte=now - datetime.timedelta(days=HISTORY_DAYS),
        )
        .select_related("severity")
        .order_by("-declared_at", "-id")
        .values(
            "ref",
            "title",
            "public_title",
            "what_is_broken",
            "declared_at",
            "resolved_at",
            "severity__rank",
        )[:PAST_INCIDENTS]
    ]
    for row in past:
        row["impact"] = impact_for_rank(row.pop("severity__rank"))
        row["title"] = title_of(row.pop("public_title"), row.pop("what_is_broken"))
    return {
        "updated_at": now,
        "components": components,
        "open_incidents": open_incidents,
        "status": {"indicator": indicator, "description": INDICATOR_DESCRIPTIONS[indicator]},
        "banner": None
        if banner is None
        else {
            "text": banner.body,
            "incident": banner.incident.ref,
            "updated_at": banner.sent_at,
        },
        "history": _history(components, now.astimezone(datetime.UTC).date()),
        "past_incidents": past,
    }


def status_snapshot() -> dict[str, Any]:
    """Everything the status page and summary.json show (cached)."""
    return page_cache.cached("snapshot", _build_snapshot)


def _build_incident(ref: str) -> dict[str, Any]:
    incident = with_public_parts(public_incidents().filter(ref=ref)).first()
    return {} if incident is None else incident_data(incident)


def public_incident(ref: str) -> dict[str, Any] | None:
    """One incident's public page data, or None (drill, staging, cancelled, unknown)."""
    ref = ref.strip().upper()[:24]
    data = page_cache.cached(f"incident:{ref}", lambda: _build_incident(ref))
    return data or None


def _build_feed() -> list[dict[str, Any]]:
    public = public_incidents()
    messages = (
        CommsMessage.objects.filter(public=True, incident__in=public)
        .select_related("incident")
        .order_by("-sent_at", "-id")[:FEED_ITEMS]
    )
    updates = (
        StatusUpdate.objects.filter(public=True, incident__in=public)
        .select_related("incident")
        .order_by("-posted_at", "-id")[:FEED_ITEMS]
    )
    items = [
        {
            **_update("m", m.pk, m.announced_status, m.body, m.sent_at),
            "ref": m.incident.ref,
            "title": public_title(m.incident),
        }
        for m in messages
    ]
    items += [
        {
            **_update("u", u.pk, u.status, u.message, u.posted_at),
            "ref": u.incident.ref,
            "title": public_title(u.incident),
        }
        for u in updates
    ]
    items.sort(key=lambda i: i["at"], reverse=True)
    return items[:FEED_ITEMS]


def feed_items() -> list[dict[str, Any]]:
    """The latest public updates of public incidents, newest first (cached)."""
    return page_cache.cached("feed", _build_feed)
