"""The drill report (Markdown and HTML) and the trend over drills (SPEC §9)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from drills.choices import DrillStage
from drills.models import Drill
from drills.timing import format_seconds, stage_timings


@dataclass(frozen=True)
class TimingRow:
    stage: str
    label: str
    took: str
    target: str
    verdict: str


def _verdict(met: bool | None, reached: bool) -> str:
    if not reached:
        return "not reached"
    if met is None:
        return "no target"
    return "met" if met else "missed"


def timing_rows(drill: Drill) -> list[TimingRow]:
    """Filed timings of a completed drill; live ones while it runs; none while sealed."""
    if drill.timings:
        data: list[dict[str, Any]] = drill.timings
    elif drill.practice_incident is not None and drill.severity is not None and drill.started_at:
        data = [
            t.as_json()
            for t in stage_timings(drill.practice_incident, drill.severity, drill.started_at)
        ]
    else:
        return []
    return [
        TimingRow(
            stage=row["stage"],
            label=row["label"],
            took=format_seconds(row["seconds"]),
            target=row["target"] or "—",
            verdict=_verdict(row["met"], row["reached_at"] is not None),
        )
        for row in data
    ]


def _context(drill: Drill) -> dict[str, Any]:
    draw = getattr(drill, "draw", None)
    return {
        "drill": drill,
        "sealed": drill.sealed,
        "draw": draw,
        "rows": timing_rows(drill),
        "action_items": list(drill.action_items.order_by("id")) if drill.pk else [],
        "generated_at": timezone.now(),
    }


def _when(value: datetime.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "—"


def drill_report_markdown(drill: Drill) -> str:
    ctx = _context(drill)
    incident = drill.practice_incident
    lines = [
        f"# Drill #{drill.pk} — {drill.planned_on:%Y-%m-%d}",
        "",
        f"- Status: {drill.get_status_display()}",
        f"- Environment: {drill.environment}",
        f"- Facilitator: {drill.facilitator.get_username() if drill.facilitator else '—'}",
        f"- Scenario: {'sealed until the drill starts' if drill.sealed else drill.scenario}",
        f"- Severity timed against: {drill.severity or '—'}",
        f"- Practice incident: {incident.ref if incident else '—'}",
        f"- Started: {_when(drill.started_at)}; completed: {_when(drill.completed_at)}",
    ]
    if ctx["draw"] is not None:
        draw = ctx["draw"]
        lines.append(
            f"- Drawn by {draw.drawn_by_label} at {_when(draw.drawn_at)} from "
            f"{len(draw.candidate_ids)} candidate(s). {draw.note}".rstrip()
        )
    if ctx["rows"]:
        lines += ["", "## Timings", "", "| Stage | Took | Target | Result |", "|---|---|---|---|"]
        lines += [f"| {r.label} | {r.took} | {r.target} | {r.verdict} |" for r in ctx["rows"]]
    for title, text in (("What worked", drill.what_worked), ("Gaps found", drill.gaps_found)):
        if text:
            lines += ["", f"## {title}", "", text]
    if ctx["action_items"]:
        lines += ["", "## Playbook updates (action items)", ""]
        lines += [
            f"- [{item.get_status_display()}] {item.description}" for item in ctx["action_items"]
        ]
    return "\n".join(lines) + "\n"


def drill_report_html(drill: Drill) -> str:
    return render_to_string("drills/report.html", _context(drill))


@dataclass(frozen=True)
class TrendRow:
    drill: Drill
    cells: list[TimingRow | None]  # One per DrillStage, in order.


def trend_rows(drills: list[Drill]) -> list[TrendRow]:
    """Durations per stage for each completed drill, oldest first (from the filed timings)."""
    rows = []
    for drill in drills:
        by_stage = {r.stage: r for r in timing_rows(drill)}
        rows.append(
            TrendRow(drill=drill, cells=[by_stage.get(stage) for stage in DrillStage.values])
        )
    return rows
