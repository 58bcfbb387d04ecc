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

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from incidents import events
from incidents.choices import TimelineKind
from incidents.models import TimelineEntry
from incidents.oncall import personal
from incidents.oncall.choices import EscalationStatus, StepCondition
from incidents.oncall.models import (
    Escalation,
    EscalationPolicy,
    EscalationStep,
    Page,
    StepTarget,
)
from incidents.oncall.page_words import ack_url, page_text
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
# The timeline and the audit log name the engine alike.
ENGINE_ACTOR = Actor.system("escalation")


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
    plans: dict[int, Any] = field(default_factory=dict)  # id(page) -> personal.Plan

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


def _round(page: Page) -> int:
    steps = len(page.escalation.policy.steps.all()) or 1
    return (page.index - page.escalation.base_index) // steps


def _channel_post(page: Page, batch: _Batch, rules: Any) -> OutboxMessage | None:
    """The step's broadcast to its channel (with its @here), when the step has one."""
    if page.channel is None:
        return None
    mention = ""
    if batch.mention.get(id(page)):
        # Each provider spells "everyone here" its own way, or not at all (issue 23:
        # Slack's <!here> inside a phone push).
        provider = provider_for(page.channel.kind)
        mention = provider.here_mention if provider is not None else ""
    subject, body = page_text(page.incident, page, _round(page), mention)
    [message] = build_messages(
        kind="page",
        subject=subject,
        body=body,
        dedupe_key=f"page:{page.pk}",
        incident=page.incident,
        channel=page.channel,
        rules=rules,
        now=batch.now,
        data={
            "page": page.pk,
            "user": page.user.get_username(),
            "ack_url": ack_url(page),
            **({"mention": mention} if mention else {}),
        },
    )
    return message


def _unreachable_fallback(batch: _Batch, unreachable: list[Page]) -> list[Page]:
    """Pages for the fallback of each escalation whose paged person cannot be reached
    (no usable contact method, no e-mail, no channel): nobody is left unpaged silently."""
    extra: list[Page] = []
    for page in unreachable:
        esc = page.escalation
        taken = {p.user_id for p in batch.pages if p.escalation is esc and p.index == page.index}
        fallback, _ = _fallback_users(esc.policy, batch)
        for user, why in fallback:
            if user.pk in taken:
                continue
            taken.add(user.pk)
            extra.append(
                Page(
                    incident=page.incident,
                    escalation=esc,
                    index=page.index,
                    step_order=page.step_order,
                    user=user,
                    target=f"{why}: {page.user.get_username()} unreachable"[:200],
                    channel=None,
                    paged_at=batch.now,
                )
            )
    return extra


def _notify_pages(batch: _Batch) -> None:
    """Each page rings its person's own methods by their rules (`personal.py`); the
    step's channel, when it has one, is a broadcast on top. A person who cannot be
    reached is said on the incident and the fallback is paged (once)."""
    rules = notification_routes()
    todo, rounds = list(batch.pages), 0
    while todo and rounds < 2:
        rounds += 1
        plans = personal.plans_for([p.user for p in todo])
        out = personal.Scheduled()
        posts: list[OutboxMessage] = []
        unreachable: list[Page] = []
        for page in todo:
            plan = plans[page.user.pk]
            batch.plans[id(page)] = plan
            post = _channel_post(page, batch, rules)
            if post is not None:
                posts.append(post)
            if not plan.reachable and rounds == 1:
                unreachable.append(page)
            subject, body = page_text(page.incident, page, _round(page), "")
            first = len(out.messages)
            personal.schedule_page(page, plan, subject, body, batch.now, out)
            # The page row points at what went out first: its channel post, else the
            # person's first notification.
            page.message = post or (out.messages[first] if len(out.messages) > first else None)
        OutboxMessage.objects.bulk_create(posts)
        personal.save_scheduled(out)
        Page.objects.bulk_update(todo, ["message"])
        deliver_after_commit([m.pk for m in (*posts, *out.messages)])
        todo = _unreachable_fallback(batch, unreachable)
        if todo:
            Page.objects.bulk_create(todo)
            batch.pages.extend(todo)


def _timeline_rows(batch: _Batch) -> list[TimelineEntry]:
    """The batch's timeline rows, unsaved (the same fields `incidents.events.record` writes):
    per step, who was paged and how each of them is being reached, in words."""
    by_step: dict[tuple[int, int], list[Page]] = defaultdict(list)
    for page in batch.pages:
        by_step[(page.incident.pk, page.index)].append(page)
    rows = list(batch.notes)
    for group in by_step.values():
        first = group[0]
        parts = []
        for page in group:
            plan = batch.plans.get(id(page))
            how = personal.describe(plan) if plan is not None else "no way to reach them"
            if plan is not None and not plan.reachable:
                how = "COULD NOT BE REACHED: no verified contact method and no e-mail address"
            parts.append(f"{page.user.get_username()} ({page.target}): {how}")
        unreachable = [
            p.user.get_username()
            for p in group
            if id(p) in batch.plans and not batch.plans[id(p)].reachable
        ]
        channel = first.channel
        post = ""
        if channel is not None:
            post = (
                f" Posted to {channel.name}."
                if channel.enabled
                else f" {channel.name} is DISABLED: the page was not posted there."
            )
        rows.append(
            events.timeline_row(
                first.incident,
                TimelineKind.PAGED,
                f"Paged (escalation step {first.step_order}) " + "; ".join(parts) + "." + post,
                actor=ENGINE_ACTOR,
                at=batch.now,
                data={
                    "pages": [p.pk for p in group],
                    "step": first.step_order,
                    "index": first.index,
                    **({"unreachable": unreachable} if unreachable else {}),
                },
            )
        )
    return rows
