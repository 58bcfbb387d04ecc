"""Metrics over a period (SPEC §10); definitions in docs/reports.md.

Real incidents only: drills (`is_drill`) and cancelled incidents are left out. An
incident belongs to the period it was declared in. Every function here runs a fixed
number of queries whatever the data size; grouping happens in Python over the
period's rows (a period holds hundreds of incidents, not millions).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from drills.models import Drill
from incidents.choices import DeadlineKind, DetectionSource, IncidentStatus
from incidents.models import Deadline, Incident
from portal.project.reports.periods import Period
from portal.project.reports.stats import Summary, summarise
from postmortems.models import ActionItem, PostMortem

MEASURES = ("ttd", "tta", "ttm", "ttr")
CUSTOMER_SOURCES = (DetectionSource.CUSTOMER_REPORT,)


def real_incidents(period: Period) -> QuerySet[Incident]:
    return Incident.objects.filter(
        declared_at__gte=period.start, declared_at__lt=period.end, is_drill=False
    ).exclude(status=IncidentStatus.CANCELLED)


def _seconds(start: datetime.datetime | None, end: datetime.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def incident_durations(row: dict[str, Any]) -> dict[str, float | None]:
    """TTD: detected (or declared) − impact started; TTA/TTM/TTR: from declaration."""
    declared = row["declared_at"]
    return {
        "ttd": _seconds(row["impact_started_at"], row["detected_at"] or declared),
        "tta": _seconds(declared, row["acknowledged_at"]),
        "ttm": _seconds(declared, row["mitigated_at"]),
        "ttr": _seconds(declared, row["resolved_at"]),
    }


@dataclass
class Metrics:
    period: Period
    incident_count: int = 0
    overall: dict[str, Summary] = field(default_factory=dict)
    by_severity: dict[str, dict[str, Summary]] = field(default_factory=dict)
    by_service: dict[str, dict[str, Summary]] = field(default_factory=dict)
    severity_counts: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    customer_found_share: float | None = None
    compliance: dict[str, dict[str, int]] = field(default_factory=dict)
    postmortems: dict[str, Any] = field(default_factory=dict)
    action_items: dict[str, Any] = field(default_factory=dict)
    drills: dict[str, Any] = field(default_factory=dict)
    weekly: list[dict[str, Any]] = field(default_factory=list)


INCIDENT_FIELDS = (
    "id",
    "declared_at",
    "impact_started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "detection_source",
    "severity__code",
    "severity__rank",
)


def _summaries(rows: list[dict[str, float | None]]) -> dict[str, Summary]:
    return {m: summarise([r[m] for r in rows if r[m] is not None]) for m in MEASURES}  # type: ignore[misc]


def deadline_outcome(row: dict[str, Any], now: datetime.datetime) -> str:
    """'met' (on time), 'missed' (late, recorded missed, or overdue), 'waived' (a person
    said why it will not be met) or 'open'."""
    if row.get("waived_reason"):
        return "waived"
    due, met = row["due_at"], row["met_at"]
    if met is not None:
        return "met" if due is None or met <= due else "missed"
    if row["missed_recorded_at"] is not None or (due is not None and now > due):
        return "missed"
    return "open"


def week_of(at: datetime.datetime) -> datetime.date:
    day = at.astimezone(datetime.UTC).date()
    return day - datetime.timedelta(days=day.weekday())


def compute_metrics(period: Period, *, now: datetime.datetime | None = None) -> Metrics:
    """All dashboard figures for `period`: 5 queries (+1 per installed add-on app)."""
    now = now or timezone.now()
    incidents = real_incidents(period)
    rows = list(incidents.order_by("declared_at", "id").values(*INCIDENT_FIELDS))
    services = defaultdict(list)
    for incident_id, name in Incident.services.through.objects.filter(
        incident__in=incidents
    ).values_list("incident_id", "service__name"):
        services[incident_id].append(name)
    metrics = Metrics(period=period, incident_count=len(rows))
    durations = {r["id"]: incident_durations(r) for r in rows}
    metrics.overall = _summaries(list(durations.values()))
    severities: dict[str, list[dict[str, float | None]]] = defaultdict(list)
    per_service: dict[str, list[dict[str, float | None]]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["severity__rank"], r["severity__code"])):
        severities[r["severity__code"]].append(durations[r["id"]])
        for name in services.get(r["id"], []):
            per_service[name].append(durations[r["id"]])
    metrics.by_severity = {code: _summaries(v) for code, v in severities.items()}
    metrics.severity_counts = {code: len(v) for code, v in severities.items()}
    metrics.by_service = {name: _summaries(per_service[name]) for name in sorted(per_service)}
    metrics.by_source = dict(Counter(r["detection_source"] for r in rows).most_common())
    if rows:
        found = sum(1 for r in rows if r["detection_source"] in CUSTOMER_SOURCES)
        metrics.customer_found_share = round(found / len(rows), 3)
    deadlines: list[dict[str, Any]] = [
        dict(d)
        # Superseded ones (a severity change) are left out; waived ones stay, as waived.
        for d in Deadline.objects.filter(incident__in=incidents)
        .filter(Q(superseded_at__isnull=True) | ~Q(waived_reason=""))
        .values(
            "incident_id",
            "kind",
            "channel",
            "due_at",
            "met_at",
            "missed_recorded_at",
            "waived_reason",
        )
    ]
    compliance: dict[str, Counter[str]] = defaultdict(Counter)
    for d in deadlines:
        kind = (
            f"comms:{d['channel']}"
            if d["kind"] == DeadlineKind.COMMS and d["channel"]
            else d["kind"]
        )
        compliance[kind][deadline_outcome(d, now)] += 1
    metrics.compliance = {
        k: {"met": c["met"], "missed": c["missed"], "waived": c["waived"], "open": c["open"]}
        for k, c in sorted(compliance.items())
    }
    metrics.weekly = _weekly(rows, deadlines, now)
    metrics.postmortems, metrics.action_items = _postmortem_figures(incidents, now)
    metrics.drills = _drill_figures(period)
    return metrics


def _ratio(
    declared: datetime.datetime,
    reached: datetime.datetime | None,
    due: datetime.datetime | None,
    now: datetime.datetime,
) -> float | None:
    if due is None or due <= declared:
        return None
    return ((reached or now) - declared) / (due - declared)


def _weekly(
    rows: list[dict[str, Any]], deadlines: list[dict[str, Any]], now: datetime.datetime
) -> list[dict[str, Any]]:
    """Per week: incidents per severity, median TTA and TTR as a share of their target."""
    by_id = {r["id"]: r for r in rows}
    weeks: dict[datetime.date, dict[str, Any]] = {}
    for r in rows:
        week = weeks.setdefault(
            week_of(r["declared_at"]), {"counts": Counter(), "tta": [], "ttr": []}
        )
        week["counts"][r["severity__code"]] += 1
    reached = {DeadlineKind.ACKNOWLEDGE: "acknowledged_at", DeadlineKind.RESOLVE: "resolved_at"}
    for d in deadlines:
        if d["kind"] not in reached:
            continue
        r = by_id[d["incident_id"]]
        ratio = _ratio(r["declared_at"], r[reached[d["kind"]]], d["due_at"], now)
        if ratio is not None:
            key = "tta" if d["kind"] == DeadlineKind.ACKNOWLEDGE else "ttr"
            weeks[week_of(r["declared_at"])][key].append(ratio)
    out = []
    for start in sorted(weeks):
        w = weeks[start]
        out.append(
            {
                "week": start,
                "counts": dict(w["counts"]),
                "tta_of_target": summarise(w["tta"]).median,
                "ttr_of_target": summarise(w["ttr"]).median,
            }
        )
    return out


def _postmortem_figures(
    incidents: QuerySet[Incident], now: datetime.datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    pms = list(
        PostMortem.objects.filter(incident__in=incidents).values_list("due_at", "published_at")
    )
    due = [(due_at, published) for due_at, published in pms if due_at is not None]
    on_time = sum(1 for due_at, published in due if published is not None and published <= due_at)
    late = sum(1 for due_at, published in due if (published or now) > due_at)
    figures = {
        "count": len(pms),
        "published": sum(1 for _, published in pms if published is not None),
        "with_due_date": len(due),
        "on_time": on_time,
        "late": late,
        "on_time_rate": round(on_time / len(due), 3) if due else None,
    }
    items = list(
        ActionItem.objects.filter(postmortem__incident__in=incidents).values(
            "status", "created_at", "completed_at"
        )
    )
    closed = [i for i in items if i["status"] in ("done", "wont_do")]
    open_ages = [
        (now - i["created_at"]).total_seconds()
        for i in items
        if i["status"] not in ("done", "wont_do")
    ]
    close_times = [
        (i["completed_at"] - i["created_at"]).total_seconds() for i in closed if i["completed_at"]
    ]
    actions = {
        "count": len(items),
        "closed": len(closed),
        "closure_rate": round(len(closed) / len(items), 3) if items else None,
        "open_age": summarise(open_ages),
        "time_to_close": summarise(close_times),
    }
    return figures, actions


def _drill_figures(period: Period) -> dict[str, Any]:
    drills = list(
        Drill.objects.filter(planned_on__gte=period.first_day, planned_on__lte=period.last_day)
        .order_by("planned_on", "id")
        .values("status", "timings")
    )
    stages: dict[str, list[float]] = defaultdict(list)
    met: Counter[str] = Counter()
    for d in drills:
        for t in d["timings"] or []:
            if isinstance(t, dict) and t.get("seconds") is not None:
                stages[str(t.get("stage"))].append(float(t["seconds"]))
                if t.get("met") is not None:
                    met[f"{t.get('stage')}:{'met' if t['met'] else 'missed'}"] += 1
    return {
        "count": len(drills),
        "by_status": dict(Counter(d["status"] for d in drills)),
        "stages": {name: summarise(values) for name, values in stages.items()},
        "stage_targets": dict(met),
    }
