"""The quarterly rhythm (SPEC §9): keep the next drill planned, remind the facilitator,
flag quarters that ended without a drill. Called once a day by `drills.tasks`.

Each step is idempotent and safe with two workers at once: the single planned drill is
a unique constraint, the reminder is stamped under a row lock, a gap is unique per
quarter, and notifications carry dedupe keys.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from drills.choices import DrillStatus
from drills.models import Drill, DrillGap
from drills.services import plan_drill
from incidents.policies import add_quarter
from portal.audit.scope import audited_service
from portal.audit.services import record_changed, record_created
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.services import enqueue_notification

GAP_LOOKBACK_QUARTERS = 8


def reminder_days() -> int:
    """Days before the drill the facilitator hears about it (`DRILL_REMINDER_DAYS`, default 7)."""
    return max(0, settings.DRILL_REMINDER_DAYS)


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _held_on(drill: Drill) -> datetime.date:
    return drill.started_at.date() if drill.started_at else drill.planned_on


@audited_service
def ensure_next_drill(*, actor: Actor, today: datetime.date | None = None) -> Drill | None:
    """Plan a drill one quarter after the last one (held or planned) when none is planned.

    A running drill counts as the next one until it completes. With no drill ever,
    the first is planned one quarter from today. Returns the planned (or running) drill.
    """
    today = today or timezone.now().date()
    current = (
        Drill.objects.filter(status__in=(DrillStatus.PLANNED, DrillStatus.RUNNING))
        .order_by("status", "planned_on")
        .first()
    )
    if current is not None:
        return current
    last = (
        Drill.objects.filter(status=DrillStatus.COMPLETED)
        .order_by("-started_at", "-planned_on")
        .first()
    )
    planned_on = add_quarter(_held_on(last)) if last else add_quarter(today)
    if planned_on < today:
        # The last drill is more than a quarter old: the next one is overdue. Plan it
        # soon, leaving the facilitator the reminder's notice, never on a date already
        # past (a reminder naming a date six months ago helps nobody, issue 15).
        planned_on = today + datetime.timedelta(days=reminder_days())
    try:
        with transaction.atomic():
            return plan_drill(
                actor=actor,
                planned_on=planned_on,
                facilitator=last.facilitator if last else None,
                environment=last.environment if last else "staging",
            )
    except DomainError:
        # Another worker planned it between our read and our write.
        return Drill.objects.filter(status=DrillStatus.PLANNED).first()


def send_drill_reminders(*, actor: Actor, today: datetime.date | None = None) -> int:
    """Tell each facilitator `reminder_days()` before their drill, once. Returns how many were sent."""
    today = today or timezone.now().date()
    horizon = today + datetime.timedelta(days=reminder_days())
    due = Drill.objects.filter(
        status=DrillStatus.PLANNED,
        planned_on__lte=horizon,
        planned_on__gte=today,
        reminder_sent_at__isnull=True,
        facilitator__isnull=False,
    ).values_list("pk", flat=True)
    return sum(_remind_facilitator(pk=pk, actor=actor) for pk in list(due))


@audited_service
def _remind_facilitator(*, pk: int, actor: Actor) -> bool:
    """One reminder, in its own transaction, stamped under the drill's row lock."""
    drill = Drill.objects.select_for_update(of=("self",)).select_related("facilitator").get(pk=pk)
    if drill.status != DrillStatus.PLANNED or drill.reminder_sent_at is not None:
        return False
    enqueue_notification(
        kind="drill_reminder",
        subject=f"Chaos drill on {drill.planned_on:%Y-%m-%d} ({drill.environment})",
        body=(
            f"You facilitate drill #{drill.pk} on {drill.planned_on:%A %d %B %Y} in "
            f"{drill.environment}. The scenario is drawn from the hat when you start it "
            "(`manage.py drill draw` or the Start button); prepare staging access and "
            "keep the date unannounced to responders."
        ),
        dedupe_key=f"drill-reminder:{drill.pk}:{drill.planned_on:%Y-%m-%d}",
        recipient_user=drill.facilitator,
        data={"drill": drill.pk, "sent_by": actor.label},
    )
    before = snapshot(drill, ["reminder_sent_at"])
    drill.reminder_sent_at = timezone.now()
    drill.save(update_fields=["reminder_sent_at"])
    record_changed(actor, drill, before)
    return True


def _quarters_between(first: datetime.date, last_exclusive: datetime.date) -> list[datetime.date]:
    quarters = []
    start = quarter_start(first)
    while start < last_exclusive:
        quarters.append(start)
        start = add_quarter(start)
    return quarters


@audited_service
def flag_drill_gaps(*, actor: Actor, today: datetime.date | None = None) -> list[DrillGap]:
    """Flag every ended quarter (since the first drill, up to two years back) with no drill held.

    A drill is held in a quarter when it started then and was not cancelled. Each gap
    is recorded once and notified once (to the next drill's facilitator, else the
    channels routed for internal notices). Returns the gaps flagged by this run.
    """
    today = today or timezone.now().date()
    first = Drill.objects.order_by("planned_on").values_list("planned_on", flat=True).first()
    if first is None:
        return []
    this_quarter = quarter_start(today)
    earliest = this_quarter
    for _ in range(GAP_LOOKBACK_QUARTERS):
        earliest = quarter_start(earliest - datetime.timedelta(days=1))
    held = {
        quarter_start(started.date())
        for started in Drill.objects.filter(started_at__isnull=False)
        .exclude(status=DrillStatus.CANCELLED)
        .values_list("started_at", flat=True)
        if started is not None
    }
    known = set(DrillGap.objects.values_list("quarter_start", flat=True))
    next_drill = (
        Drill.objects.filter(Q(status=DrillStatus.PLANNED))
        .select_related("facilitator")
        .order_by("planned_on", "id")
        .first()
    )
    flagged = []
    for quarter in _quarters_between(max(first, earliest), this_quarter):
        if quarter in held or quarter in known:
            continue
        try:
            with transaction.atomic():
                gap = DrillGap.objects.create(quarter_start=quarter, flagged_at=timezone.now())
        except IntegrityError:
            continue  # Flagged by another worker just now.
        record_created(actor, gap, at=gap.flagged_at)
        enqueue_notification(
            kind="drill_gap",
            subject=f"No chaos drill was held in {gap.quarter_label}",
            body=(
                f"The playbook asks for a drill every quarter; none was held in {gap.quarter_label}. "
                + (
                    (
                        f"The next one is planned on {next_drill.planned_on:%Y-%m-%d}."
                        if next_drill.planned_on >= today
                        else f"The drill planned on {next_drill.planned_on:%Y-%m-%d} is "
                        "overdue: hold it now or plan a new date."
                    )
                    if next_drill
                    else "No drill is planned."
                )
            ),
            dedupe_key=f"drill-gap:{gap.quarter_label}",
            recipient_user=next_drill.facilitator if next_drill else None,
            data={"quarter": gap.quarter_label, "sent_by": actor.label},
        )
        flagged.append(gap)
    return flagged


@dataclass
class ScheduleRun:
    next_drill: Drill | None
    reminders_sent: int
    gaps_flagged: list[DrillGap] = field(default_factory=list)


def run_drill_schedule(*, actor: Actor, today: datetime.date | None = None) -> ScheduleRun:
    """The daily pass: plan, remind, flag."""
    next_drill = ensure_next_drill(actor=actor, today=today)
    sent = send_drill_reminders(actor=actor, today=today)
    gaps = flag_drill_gaps(actor=actor, today=today)
    return ScheduleRun(next_drill=next_drill, reminders_sent=sent, gaps_flagged=gaps)
