"""Row sources of the auditor exports: one generator per register, for a period.

Each yields tuples in its exporter's column order, deterministically ordered, from
`QuerySet.iterator(chunk_size=CHUNK)` (a server-side cursor on PostgreSQL) plus
per-chunk look-ups, so memory stays flat whatever the size. Reports sit above every
app and import their models directly.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from drills.models import Drill
from incidents.fields import field_names
from incidents.models import Deadline, Incident, PolicyVersion
from incidents.oncall.models import Schedule
from incidents.oncall.selectors import shifts_between
from portal.project.reports.periods import Period
from portal.project.reports.selectors import deadline_outcome
from postmortems.models import ActionItem, PostMortem

CHUNK = 2000


def chunks(iterable: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    it = iter(iterable)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _seconds(start: Any, end: Any) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds())


# The register's columns: reference, title and what the services own, then every other
# field of the incident catalogue (incidents/fields.py) in its order, then the computed
# durations.
_CATALOGUE = tuple(name for name in field_names() if name != "title")
INCIDENT_REGISTER_COLUMNS = (
    "ref",
    "title",
    "severity",
    "severity_rank",
    "status",
    *_CATALOGUE,
    "commander",
    "policy",
    "ttd_seconds",
    "tta_seconds",
    "ttm_seconds",
    "ttr_seconds",
    "alert_count",
)
_SCALAR_FIELDS = field_names(relation=False)
REGISTER_VALUES = (
    "id",
    "ref",
    "severity__code",
    "severity__rank",
    "status",
    *_SCALAR_FIELDS,
    "commander__username",
    "policy_version__policy__name",
    "policy_version__number",
    "alert_count",
)


def _cell(value: Any) -> Any:
    """A list (runbook links) as one cell."""
    return "; ".join(str(v) for v in value) if isinstance(value, list) else value


def incident_register(period: Period) -> Iterator[tuple[Any, ...]]:
    qs = (
        Incident.objects.filter(declared_at__gte=period.start, declared_at__lt=period.end)
        .order_by("declared_at", "id")
        .values_list(*REGISTER_VALUES)
    )
    through = Incident.services.through
    for chunk in chunks(qs.iterator(chunk_size=CHUNK)):
        services: dict[int, list[str]] = {}
        for incident_id, name in (
            through.objects.filter(incident_id__in=[r[0] for r in chunk])
            .order_by("service__name")
            .values_list("incident_id", "service__name")
        ):
            services.setdefault(incident_id, []).append(name)
        for r in chunk:
            row = dict(zip(REGISTER_VALUES, r, strict=True))
            row["services"] = "; ".join(services.get(row["id"], []))
            declared = row["declared_at"]
            yield (
                row["ref"],
                row["title"],
                row["severity__code"],
                row["severity__rank"],
                row["status"],
                *(_cell(row[name]) for name in _CATALOGUE),
                row["commander__username"] or "",
                f"{row['policy_version__policy__name']} v{row['policy_version__number']}",
                _seconds(row["impact_started_at"], row["detected_at"] or declared),
                _seconds(declared, row["acknowledged_at"]),
                _seconds(declared, row["mitigated_at"]),
                _seconds(declared, row["resolved_at"]),
                row["alert_count"],
            )


def deadline_compliance(period: Period) -> Iterator[tuple[Any, ...]]:
    end = period.end
    qs = (
        Deadline.objects.filter(
            incident__declared_at__gte=period.start, incident__declared_at__lt=end
        )
        .order_by("incident__declared_at", "incident_id", "due_at", "id")
        .values_list(
            "incident__ref",
            "incident__severity__code",
            "incident__is_drill",
            "kind",
            "channel",
            "target",
            "due_at",
            "met_at",
            "missed_recorded_at",
            "superseded_at",
            "waived_reason",
        )
    )
    for row in qs.iterator(chunk_size=CHUNK):
        ref, sev, drill, kind, channel, target, due, met, missed, superseded, waived = row
        # Judged as of the period end, so the same period always gives the same file.
        # A waiver (a person said why it will not be sent) is not a severity change's
        # "superseded" (issue 25).
        outcome = (
            ("waived" if waived else "superseded")
            if superseded
            else deadline_outcome({"due_at": due, "met_at": met, "missed_recorded_at": missed}, end)
        )
        late = _seconds(due, met) if met and due and met > due else None
        yield (ref, sev, drill, kind, channel, target, due, met, outcome, late, superseded, waived)


def postmortems(period: Period) -> Iterator[tuple[Any, ...]]:
    qs = (
        PostMortem.objects.filter(
            incident__declared_at__gte=period.start, incident__declared_at__lt=period.end
        )
        .order_by("incident__declared_at", "id")
        .values_list(
            "incident__ref",
            "incident__title",
            "incident__severity__code",
            "status",
            "revision",
            "author__username",
            "due_at",
            "submitted_at",
            "published_at",
            "summary",
            "root_cause",
        )
    )
    for (
        ref,
        title,
        sev,
        status,
        rev,
        author,
        due,
        submitted,
        published,
        summary,
        cause,
    ) in qs.iterator(chunk_size=CHUNK):
        on_time = None if due is None or published is None else published <= due
        yield (
            ref,
            title,
            sev,
            status,
            rev,
            author or "",
            due,
            submitted,
            published,
            on_time,
            summary,
            cause,
        )


def action_items(period: Period) -> Iterator[tuple[Any, ...]]:
    qs = (
        ActionItem.objects.filter(
            postmortem__incident__declared_at__gte=period.start,
            postmortem__incident__declared_at__lt=period.end,
        )
        .order_by("postmortem__incident__declared_at", "id")
        .values_list(
            "postmortem__incident__ref",
            "description",
            "owner__username",
            "status",
            "due_date",
            "created_at",
            "completed_at",
            "ticket_url",
        )
    )
    for ref, text, owner, status, due, created, completed, url in qs.iterator(chunk_size=CHUNK):
        age_days = ((completed or period.end) - created).days
        yield (ref, text, owner or "", status, due, created, completed, max(0, age_days), url)


def drills(period: Period) -> Iterator[tuple[Any, ...]]:
    qs = (
        Drill.objects.filter(planned_on__gte=period.first_day, planned_on__lte=period.last_day)
        .order_by("planned_on", "id")
        .values_list(
            "planned_on",
            "status",
            "scenario__title",
            "severity__code",
            "environment",
            "facilitator__username",
            "practice_incident__ref",
            "started_at",
            "completed_at",
            "timings",
            "gaps_found",
        )
    )
    for (
        planned,
        status,
        scenario,
        sev,
        env,
        facilitator,
        ref,
        started,
        completed,
        timings,
        gaps,
    ) in qs.iterator(chunk_size=CHUNK):
        by_stage = {str(t.get("stage")): t for t in (timings or []) if isinstance(t, dict)}
        yield (
            planned,
            status,
            scenario or "",
            sev or "",
            env,
            facilitator or "",
            ref or "",
            started,
            completed,
            *(by_stage.get(s, {}).get("seconds") for s in DRILL_STAGES),
            *(by_stage.get(s, {}).get("met") for s in DRILL_STAGES),
            gaps,
        )


DRILL_STAGES = ("detect", "triage", "mitigate", "notify")


def policy_versions(period: Period) -> Iterator[tuple[Any, ...]]:
    qs = (
        PolicyVersion.objects.filter(created_at__lt=period.end)
        .order_by("policy__name", "number")
        .values_list(
            "policy__name",
            "number",
            "status",
            "created_at",
            "activated_at",
            "approved_by__username",
            "approver_name",
            "approved_at",
            "content_hash",
            "next_review_on",
            "last_validated_on",
        )
    )
    for (
        name,
        number,
        status,
        created,
        activated,
        by,
        approver,
        approved,
        digest,
        review,
        validated,
    ) in qs.iterator(chunk_size=CHUNK):
        yield (
            name,
            number,
            status,
            created,
            activated,
            by or "",
            approver,
            approved,
            digest,
            review,
            validated,
        )


def oncall_coverage(period: Period) -> Iterator[tuple[Any, ...]]:
    for schedule in Schedule.objects.order_by("name"):
        entries = shifts_between(schedule, period.start, period.end)
        entries.sort(key=lambda e: (e.layer.order, e.layer.pk, e.shift_start, e.is_override))
        for e in entries:
            start = max(e.shift_start, period.start)
            end = min(e.shift_end or period.end, period.end)
            if end <= start:
                continue
            yield (
                schedule.name,
                e.layer.name,
                e.user.get_username(),
                start,
                end,
                "override" if e.is_override else "rotation",
                int((end - start).total_seconds() // 60),
            )


def audit_log(period: Period) -> Iterator[tuple[Any, ...]]:
    from portal.audit.hashing import HASHED_FIELDS
    from portal.audit.selectors import audit_entries

    qs = audit_entries(start=period.start, end=period.end).values_list(*HASHED_FIELDS, "hash")
    yield from qs.iterator(chunk_size=CHUNK)
