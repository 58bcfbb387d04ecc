"""Running due escalation steps: who each target means now, the pages, their outbox
rows and timeline entries. Called by the engine (every few seconds), the minute
sweeper and the declaration itself (an immediate first step).

A step pages its own target and its parallel targets at once. Its condition says
what must still be missing when it is due: an acknowledgement (most steps) or a
resolution ("not resolved within 1 hour": it still pages after an ack). A step that
resolves to nobody pages the policy's fallback (the founders unless it names one),
says so on the timeline and leaves a warning on the escalation, shown on the incident.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from incidents import events
from incidents.choices import TimelineKind
from incidents.models import Incident, TimelineEntry
from incidents.oncall.choices import EscalationStatus, StepCondition
from incidents.oncall.models import (
    Escalation,
    EscalationPolicy,
    EscalationStep,
    Page,
    StepTarget,
)
from incidents.oncall.selectors import OnCallEntry, who_is_on_call
from incidents.oncall.targets import describe_targets, target_users
from portal.audit.hashing import json_safe
from portal.audit.scope import audited_service
from portal.audit.services import prepare_created, prepare_row_changes, record_entries
from portal.kernel.actors import Actor
from portal.notifications.models import NotificationChannel, OutboxMessage
from portal.notifications.providers import provider_for
from portal.notifications.services import build_messages, deliver_after_commit, notification_routes

logger = logging.getLogger(__name__)
ACK_SALT = "oncall.ack"
# The timeline and the audit log name the engine alike.
ENGINE_ACTOR = Actor.system("escalation")


def ack_token(page: Page) -> str:
    return signing.dumps({"page": page.pk}, salt=ACK_SALT)


def ack_url(page: Page) -> str:
    return settings.PORTAL_BASE_URL + reverse("oncall:ack", args=[ack_token(page)])


@dataclass
class EscalationRun:
    """What one run did: escalations advanced (the sweeper's batch measure) and pages."""

    escalations: int = 0
    pages: int = 0


@dataclass
class _Batch:
    """Rows of one run, written together at the end (constant queries per batch)."""

    now: datetime.datetime
    oncall: list[OnCallEntry]
    pages: list[Page] = field(default_factory=list)
    mention: dict[int, bool] = field(default_factory=dict)  # id(page) -> @here
    notes: list[TimelineEntry] = field(default_factory=list)
    founders: list[Any] | None = None

    def superusers(self) -> list[Any]:
        if self.founders is None:
            self.founders = list(
                get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk")
            )
        return self.founders


def _fallback_users(
    policy: EscalationPolicy, batch: _Batch
) -> tuple[list[tuple[Any, str]], NotificationChannel | None]:
    if policy.fallback_user is not None:
        return [(policy.fallback_user, "fallback (named user)")], None
    if policy.fallback_schedule_id is not None:
        found = [
            (e.user, f"fallback ({e.schedule.name} on call)")
            for e in batch.oncall
            if e.schedule.pk == policy.fallback_schedule_id
        ]
        if found:
            return found, None
    return [(u, "fallback (founder)") for u in batch.superusers()], None


def _page_step(esc: Escalation, step: EscalationStep, batch: _Batch, seen: set[int]) -> None:
    """Page the step's targets (`seen`: people this run already paged for `esc`)."""
    incident = esc.incident
    chosen: list[tuple[Any, str, NotificationChannel | None]] = []
    for target in step.targets():
        chosen.extend(
            (u, why, target.channel) for u, why in target_users(target, batch.oncall, incident)
        )
    if not chosen:
        fallback, channel = _fallback_users(esc.policy, batch)
        chosen = [(u, why, channel or step.channel) for u, why in fallback]
        names = ", ".join(u.get_username() for u, _ in fallback) or "nobody"
        text = (
            f"Escalation step {step.order} ({describe_targets(step)}) resolved to nobody: "
            f"paged the fallback: {names}."
        )
        if not fallback:
            text = (
                f"Escalation step {step.order} ({describe_targets(step)}) resolved to nobody, "
                "and the policy has no fallback (no active superuser): NOBODY WAS PAGED."
            )
        esc.warning = text[:300]
        batch.notes.append(
            events.timeline_row(
                incident,
                TimelineKind.PAGED,
                text,
                actor=ENGINE_ACTOR,
                at=batch.now,
                data={"step": step.order, "index": esc.next_index, "nobody": True},
            )
        )
    for user, why, channel in chosen:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        page = Page(
            incident=incident,
            escalation=esc,
            index=esc.next_index,
            step_order=step.order,
            user=user,
            target=why[:200],
            channel=channel,
            paged_at=batch.now,
        )
        batch.mention[id(page)] = step.mention_here
        batch.pages.append(page)


def _unresolved_steps_left(steps: list[EscalationStep], position: int) -> bool:
    """Any "not resolved" step later in the current round (after an ack nothing repeats)."""
    n = len(steps)
    if position % n == 0 and position > 0:
        return False
    return any(s.condition == StepCondition.UNRESOLVED for s in steps[position % n :])


def _finish(esc: Escalation, status: str, now: datetime.datetime, batch: _Batch) -> None:
    esc.status, esc.next_step_at, esc.stopped_at = status, None, now
    if status == EscalationStatus.EXHAUSTED:
        batch.notes.append(
            events.timeline_row(
                esc.incident,
                TimelineKind.PAGED,
                f"Escalation policy {esc.policy.name} finished: nobody acknowledged.",
                actor=ENGINE_ACTOR,
                at=now,
            )
        )


def advance(esc: Escalation, steps: list[EscalationStep], batch: _Batch) -> None:
    """Run every step of `esc` due by `batch.now` (several when delays are 0), in order."""
    now = batch.now
    n = len(steps)
    total = n * (esc.policy.repeat + 1)
    seen: set[int] = set()
    for _ in range(total + 1):
        if esc.status != EscalationStatus.ACTIVE or esc.next_step_at is None:
            return
        if esc.next_step_at > now:
            return
        position = esc.next_index - esc.base_index
        if not steps or position >= total:
            _finish(esc, EscalationStatus.EXHAUSTED, now, batch)
            return
        step = steps[position % n]
        due = esc.next_step_at
        if esc.acknowledged_at is None or step.condition == StepCondition.UNRESOLVED:
            _page_step(esc, step, batch, seen)
        esc.next_index += 1
        position += 1
        if esc.acknowledged_at is not None and not _unresolved_steps_left(steps, position):
            _finish(esc, EscalationStatus.ACKNOWLEDGED, now, batch)
        elif position >= total:
            _finish(esc, EscalationStatus.EXHAUSTED, now, batch)
        else:
            wait = (
                esc.policy.repeat_after_minutes
                if position % n == 0
                else steps[position % n].delay_minutes
            )
            # Counted from when the step was due, so a late cycle does not stretch the chain.
            esc.next_step_at = due + datetime.timedelta(minutes=wait)


def _claim_due(now: datetime.datetime, ids: list[int] | None, limit: int) -> list[Escalation]:
    """The due escalations this run takes, locked, with their incident and policy (one
    statement: only the escalation rows are locked, the joined ones are shared)."""
    qs = Escalation.objects.filter(status=EscalationStatus.ACTIVE, next_step_at__lte=now)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    escalations = list(
        qs.select_for_update(skip_locked=True, of=("self",))
        .select_related("incident__severity", "policy__fallback_user", "policy__fallback_schedule")
        .order_by("pk")[:limit]
    )
    # A target's user, group, schedule and channel are joined to it (one query for the
    # steps, one for their parallel targets) rather than each prefetched on its own.
    joined = ("group", "user", "schedule", "channel")
    prefetch_related_objects(
        escalations,
        "incident__services__owner",
        Prefetch("policy__steps", EscalationStep.objects.select_related(*joined)),
        Prefetch("policy__steps__parallel_targets", StepTarget.objects.select_related(*joined)),
        "policy__steps__group__user_set",
        "policy__steps__parallel_targets__group__user_set",
    )
    return escalations


def _snapshot(esc: Escalation) -> dict[str, Any]:
    return {
        "status": esc.status,
        "next_index": esc.next_index,
        "next_step_at": esc.next_step_at,
        "warning": esc.warning,
    }


@audited_service
def run_due_escalations(
    *, now: datetime.datetime | None = None, ids: list[int] | None = None, limit: int = 200
) -> EscalationRun:
    """Run the due steps of up to `limit` active escalations.

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL): a concurrent
    engine skips them and, once this commits, sees them advanced (SQLite serialises
    writers). Pages, their outbox rows, timeline rows and one audit entry for the
    batch commit together with the advance: exactly once. Constant queries per batch."""
    now = now or timezone.now()
    escalations = _claim_due(now, ids, limit)
    if not escalations:
        return EscalationRun()
    batch = _Batch(now=now, oncall=who_is_on_call(now))
    before = {esc.pk: _snapshot(esc) for esc in escalations}
    for esc in escalations:
        advance(esc, sorted(esc.policy.steps.all(), key=lambda s: s.order), batch)
    Escalation.objects.bulk_update(
        escalations, ["status", "next_index", "next_step_at", "stopped_at", "warning"]
    )
    Page.objects.bulk_create(batch.pages)
    _notify_pages(batch)
    timeline = TimelineEntry.objects.bulk_create(_timeline_rows(batch))
    # One INSERT for the batch's audit entries: each escalation that moved, each page,
    # each timeline row.
    record_entries(
        [
            *prepare_row_changes(
                ENGINE_ACTOR,
                Escalation,
                [
                    (esc.pk, str(esc), json_safe(before[esc.pk]), json_safe(_snapshot(esc)))
                    for esc in escalations
                ],
                at=now,
            ),
            *(prepare_created(ENGINE_ACTOR, page, at=now) for page in batch.pages),
            *(prepare_created(ENGINE_ACTOR, row, at=row.at) for row in timeline),
        ]
    )
    return EscalationRun(escalations=len(escalations), pages=len(batch.pages))


def _page_text(incident: Incident, page: Page, round_no: int, mention: str) -> tuple[str, str]:
    drill = "[DRILL] " if incident.is_drill else ""
    subject = f"{drill}PAGE {incident.severity.code} {incident.ref}: {incident.title}"
    again = f" (repeat {round_no})" if round_no else ""
    body = (
        f"{mention + ' ' if mention else ''}"
        f"{page.user.get_username()}, you are paged{again} for {incident.ref} "
        f"({incident.severity.code}, {incident.get_status_display()}): {incident.title}\n"
        f"Why you: {page.target} (escalation step {page.step_order}).\n"
        f"Acknowledge (one click, no login): {ack_url(page)}\n"
        f"Incident: {settings.PORTAL_BASE_URL}{reverse('admin:incidents_incident_change', args=[incident.pk])}"
    )
    return subject, body


def _notify_pages(batch: _Batch) -> None:
    pages = batch.pages
    rules = notification_routes()
    messages: list[OutboxMessage] = []
    for page in pages:
        steps = len(page.escalation.policy.steps.all()) or 1
        round_no = (page.index - page.escalation.base_index) // steps
        mention = ""
        if batch.mention.get(id(page)) and page.channel is not None:
            # Each provider spells "everyone here" its own way, or not at all (issue 23:
            # Slack's <!here> inside a phone push).
            provider = provider_for(page.channel.kind)
            mention = provider.here_mention if provider is not None else ""
        subject, body = _page_text(page.incident, page, round_no, mention)
        built = build_messages(
            kind="page",
            subject=subject,
            body=body,
            dedupe_key=f"page:{page.pk}",
            incident=page.incident,
            channel=page.channel,
            recipient_user=None if page.channel else page.user,
            rules=rules,
            now=batch.now,
            data={
                "page": page.pk,
                "user": page.user.get_username(),
                "ack_url": ack_url(page),
                **({"mention": mention} if mention else {}),
            },
        )
        messages.extend(built)
    OutboxMessage.objects.bulk_create(messages)
    for page, message in zip(pages, messages, strict=True):
        page.message = message
    Page.objects.bulk_update(pages, ["message"])
    deliver_after_commit([m.pk for m in messages])


def _timeline_rows(batch: _Batch) -> list[TimelineEntry]:
    """The batch's timeline rows, unsaved (the same fields `incidents.events.record` writes)."""
    by_step: dict[tuple[int, int], list[Page]] = defaultdict(list)
    for page in batch.pages:
        by_step[(page.incident.pk, page.index)].append(page)
    rows = list(batch.notes)
    for group in by_step.values():
        first = group[0]
        names = ", ".join(f"{p.user.get_username()} ({p.target})" for p in group)
        via = f" via {first.channel.name}" if first.channel else " by email"
        rows.append(
            events.timeline_row(
                first.incident,
                TimelineKind.PAGED,
                f"Paged {names}{via} (escalation step {first.step_order}).",
                actor=ENGINE_ACTOR,
                at=batch.now,
                data={
                    "pages": [p.pk for p in group],
                    "step": first.step_order,
                    "index": first.index,
                },
            )
        )
    return rows
