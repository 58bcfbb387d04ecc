"""The admin home as an operations board (issue 15): what is happening now.

One read for the admin index: open incidents with their next deadline, overdue
items, who is on call now and next, unacknowledged pages, the next drill, and the
post-mortems and action items due. A constant number of queries whatever the
number of rows (each list is capped), pinned by a test.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from drills.selectors import next_planned_drill
from incidents.choices import OPEN_STATUSES, IncidentStatus
from incidents.cockpit import countdown_words, deadline_kind_label
from incidents.models import Deadline, Incident
from incidents.oncall.models import Page
from incidents.oncall.personal import phone_gap
from incidents.oncall.selectors import who_is_on_call
from portal.project.heartbeats import engine_state
from portal.project.pager_watch import due_lag
from postmortems.choices import OPEN_ACTION_STATUSES, PostMortemStatus
from postmortems.models import ActionItem, PostMortem

ROWS = 15
ACTION_ITEMS_AHEAD = datetime.timedelta(days=7)


@dataclass
class BoardIncident:
    incident: Incident
    next_label: str
    next_words: str
    next_missed: bool


@dataclass
class OperationsBoard:
    incidents: list[BoardIncident] = field(default_factory=list)
    overdue: list[tuple[Deadline, str]] = field(default_factory=list)
    on_call: list[Any] = field(default_factory=list)
    unacknowledged_pages: list[Page] = field(default_factory=list)
    next_drill: Any = None
    next_drill_words: str = ""  # "in 30 days", "today", "overdue by 182 days"
    next_drill_overdue: bool = False
    postmortems_due: list[tuple[PostMortem, str, bool]] = field(default_factory=list)
    action_items_due: list[tuple[ActionItem, bool]] = field(default_factory=list)
    phone_gap: str = ""  # what is missing before a page would ring the viewer's phone
    engine_problem: str = ""  # the paging engine silent, in words


def _can(user: Any, perm: str) -> bool:
    return bool(user.has_perm(perm))


def operations_board(user: Any, *, now: datetime.datetime | None = None) -> OperationsBoard:
    """The board for `user` (sections they may not view stay empty)."""
    now = now or timezone.now()
    board = OperationsBoard()
    if _can(user, "incidents.view_incident"):
        rows = (
            Incident.objects.filter(status__in=[*OPEN_STATUSES, IncidentStatus.RESOLVED])
            .select_related("severity", "commander")
            .order_by("severity__rank", "declared_at", "id")[:ROWS]
        )
        for incident in rows:
            words, missed = ("", False)
            if incident.next_deadline_at is not None:
                words, missed = countdown_words(incident.next_deadline_at, now)
            board.incidents.append(
                BoardIncident(
                    incident,
                    deadline_kind_label(incident.next_deadline_kind)
                    if incident.next_deadline_kind
                    else "",
                    words,
                    missed,
                )
            )
        overdue = (
            Deadline.objects.filter(
                met_at__isnull=True,
                superseded_at__isnull=True,
                due_at__lt=now,
                incident__status__in=[*OPEN_STATUSES, IncidentStatus.RESOLVED],
            )
            .select_related("incident")
            .order_by("due_at", "id")[:ROWS]
        )
        board.overdue = [(d, countdown_words(d.due_at, now)[0]) for d in overdue if d.due_at]
    if _can(user, "oncall.view_schedule"):
        board.on_call = who_is_on_call(now)
    if user.is_authenticated:
        board.phone_gap = phone_gap(user)
        late = due_lag(now).words
        board.engine_problem = " ".join(
            w for w in (engine_state().words, f"The pager is late: {late}." if late else "") if w
        )
    if _can(user, "oncall.view_page"):
        board.unacknowledged_pages = list(
            Page.objects.filter(
                acknowledged_at__isnull=True, incident__status__in=list(OPEN_STATUSES)
            )
            .select_related("incident", "user")
            .order_by("paged_at", "id")[:ROWS]
        )
    if _can(user, "drills.view_drill"):
        board.next_drill = next_planned_drill()
        if board.next_drill is not None:
            # A date in the past is a drill that did not happen: say so (issue 25).
            days = (board.next_drill.planned_on - now.date()).days
            board.next_drill_overdue = days < 0
            board.next_drill_words = (
                "today"
                if days == 0
                else f"in {days} day{'s' if days != 1 else ''}"
                if days > 0
                else f"overdue by {-days} day{'s' if days != -1 else ''}"
            )
    if _can(user, "postmortems.view_postmortem"):
        pms = (
            PostMortem.objects.exclude(status=PostMortemStatus.PUBLISHED)
            .select_related("incident")
            .order_by("due_at", "id")[:ROWS]
        )
        board.postmortems_due = [
            (pm, *countdown_words(pm.due_at, now)) if pm.due_at else (pm, "no due date", False)
            for pm in pms
        ]
        items = (
            ActionItem.objects.filter(
                status__in=list(OPEN_ACTION_STATUSES),
                due_date__lte=(now + ACTION_ITEMS_AHEAD).date(),
            )
            .select_related("owner", "postmortem__incident")
            .order_by("due_date", "id")[:ROWS]
        )
        today = now.date()
        board.action_items_due = [
            (item, item.due_date is not None and item.due_date < today) for item in items
        ]
    return board
