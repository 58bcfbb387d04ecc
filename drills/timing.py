"""Drill timings: the practice incident's milestones against the drawn level's targets.

Detection is measured from the injection (the drill's start, which is the practice
incident's `impact_started_at`); triage, mitigation and customer notification from the
declaration, as the policy's targets are (business-time targets via `incidents.deadlines`).
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any

from drills.choices import DrillStage
from incidents.choices import CommsAnchor, TimelineKind
from incidents.deadlines import due_after
from incidents.models import Incident, SeverityLevel


@dataclass(frozen=True)
class StageTiming:
    stage: str
    label: str
    reached_at: datetime.datetime | None
    seconds: int | None
    target: str
    due_at: datetime.datetime | None

    @property
    def met(self) -> bool | None:
        """True/False against the target; None when there is no target or the stage was not reached."""
        if self.due_at is None or self.reached_at is None:
            return None
        return self.reached_at <= self.due_at

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("reached_at", "due_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["met"] = self.met
        return data


def _seconds(start: datetime.datetime | None, end: datetime.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _comms_target(incident: Incident, level: SeverityLevel) -> tuple[str, datetime.datetime | None]:
    """The earliest customer-comms deadline the level sets from declaration ("" when none)."""
    best: tuple[str, datetime.datetime | None] = ("", None)
    for req in level.comms_requirements.all():
        if req.anchor != CommsAnchor.DECLARED or not req.deadline:
            continue
        due = due_after(incident, incident.declared_at, req.deadline)
        if due is not None and (best[1] is None or due < best[1]):
            best = (f"{req.deadline} ({req.get_channel_display()})", due)
    return best


def stage_timings(
    incident: Incident, level: SeverityLevel, injected_at: datetime.datetime
) -> list[StageTiming]:
    """The four stages of SPEC §9 for a practice incident, in order."""
    declared = incident.declared_at
    entries = incident.timeline.filter(
        kind__in=(TimelineKind.COMMS_SENT, TimelineKind.SEVERITY_CHANGED)
    ).order_by("at", "id")
    comms_at = next((e.at for e in entries if e.kind == TimelineKind.COMMS_SENT), None)
    reclassified = [e.at for e in entries if e.kind == TimelineKind.SEVERITY_CHANGED]
    # Triage is done once someone acknowledged and the severity settled (last reclassification).
    triaged_at = incident.acknowledged_at
    if triaged_at is not None and reclassified:
        triaged_at = max(triaged_at, reclassified[-1])
    comms_target, comms_due = _comms_target(incident, level)

    def timed(
        stage: DrillStage,
        reached: datetime.datetime | None,
        start: datetime.datetime,
        target: str,
        due: datetime.datetime | None,
    ) -> StageTiming:
        return StageTiming(
            stage=stage.value,
            label=stage.label,
            reached_at=reached,
            seconds=_seconds(start, reached),
            target=target,
            due_at=due,
        )

    return [
        timed(DrillStage.DETECT, incident.detected_at, injected_at, "", None),
        timed(
            DrillStage.TRIAGE,
            triaged_at,
            declared,
            level.ack_target,
            due_after(incident, declared, level.ack_target),
        ),
        timed(
            DrillStage.MITIGATE,
            incident.mitigated_at,
            declared,
            level.mitigate_target,
            due_after(incident, declared, level.mitigate_target),
        ),
        timed(DrillStage.NOTIFY, comms_at, declared, comms_target, comms_due),
    ]


def format_seconds(seconds: int | None) -> str:
    """`1 h 05 min`, `12 min 30 s`, `—` when not reached."""
    if seconds is None:
        return "—"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
