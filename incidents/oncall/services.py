"""Writes of the on-call app: escalations (start, stop, run due steps) and the
one-click acknowledge link. Hooks on incident events are registered in apps.py."""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from incidents import events
from incidents.choices import OPEN_STATUSES, TimelineKind
from incidents.models import Incident
from incidents.oncall.choices import EscalationStatus, StepCondition
from incidents.oncall.models import (
    ContactMethod,
    Escalation,
    EscalationStep,
    Page,
    SeverityEscalation,
)
from incidents.oncall.page_words import ACK_SALT, ack_token, ack_url
from incidents.oncall.paging import run_due_escalations
from incidents.oncall.personal import bring_forward_next, page_of_message, page_wanted
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import record_action, record_changed
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.models import OutboxMessage

logger = logging.getLogger(__name__)
__all__ = ["ack_token", "ack_url", "run_due_escalations"]


def ack_link_max_age() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.ONCALL_ACK_LINK_MAX_AGE_HOURS)


# --- Escalation lifecycle (called from the incident hooks) -------------------------


def _policy_for(incident: Incident) -> tuple[Any, int | None]:
    """The level's escalation policy and its first step's delay (None: no steps), in one
    query: on a declaration this runs while the day's reference counter is held."""
    first_delay = (
        EscalationStep.objects.filter(policy=OuterRef("policy"))
        .order_by("order")
        .values("delay_minutes")[:1]
    )
    link = (
        SeverityEscalation.objects.select_related("policy")
        .annotate(first_delay=Subquery(first_delay))
        .filter(level_code=incident.severity.code)
        .first()
    )
    return (link.policy, link.first_delay) if link else (None, None)


def start_escalation(incident: Incident, actor: Actor, *, new: bool = False) -> Escalation | None:
    """Hook "declared" (and "severity_changed" while unacknowledged): (re)start the
    level's escalation policy; a first step without delay runs right after the commit.
    `new`: the incident was declared in this transaction, so it has no escalation yet.
    Demo data (`make run DEMO=1`) never pages anyone.

    The escalation row is written here, in the caller's transaction, due now; its first
    step (the on-call snapshot, the pages, their outbox rows: some twenty statements)
    runs in a transaction of its own once the caller's commits. A declaration holds the
    day's reference counter until it commits, and every other declaration queues on it:
    the pages must not be written while it is held. If the process dies in between,
    the paging engine (and the minute sweeper) finds the step due and runs it; the
    claim in `run_due_escalations` makes the step run exactly once either way.
    """
    if incident.is_demo:
        return None
    policy, first_delay = _policy_for(incident)
    escalation = (
        None
        if new
        else Escalation.objects.select_for_update(of=("self",)).filter(incident=incident).first()
    )
    if policy is None:
        if escalation is not None and escalation.status == EscalationStatus.ACTIVE:
            before = {"status": escalation.status}
            _stop(escalation, EscalationStatus.STOPPED)
            _audit_escalation(escalation, actor, before)
        # Never silently nobody: the timeline says why no one is paged.
        events.record(
            incident,
            TimelineKind.NOTE,
            f"No escalation policy for {incident.severity.code}: nobody is paged "
            "(map the level to a policy under On-call > Severity escalations).",
            actor=actor,
        )
        return escalation
    if first_delay is None:  # a policy without steps pages nobody
        return escalation
    now = timezone.now()
    created = escalation is None
    if escalation is None:
        start = incident.declared_at or now
        escalation = Escalation(
            incident=incident, policy=policy, started_at=start, next_index=0, base_index=0
        )
    elif escalation.status in (EscalationStatus.ACTIVE, EscalationStatus.EXHAUSTED):
        # A new severity of an unacknowledged incident: its policy's chain starts over
        # now (even when the old level's chain had finished); index numbers keep growing.
        start = now
        escalation.policy = policy
        escalation.base_index = escalation.next_index
        escalation.status, escalation.stopped_at = EscalationStatus.ACTIVE, None
    else:
        return escalation
    escalation.next_step_at = start + datetime.timedelta(minutes=first_delay)
    escalation.save()
    record_action(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        escalation,
        before=None,
        after={"policy": policy.name, "next_step_at": escalation.next_step_at},
    )
    if escalation.next_step_at <= now:
        batched = _batched_first_steps.get()
        if batched is not None:  # the caller pages them together (`first_steps_batched`)
            transaction.on_commit(functools.partial(batched.append, escalation.pk))
        else:
            # robust: a failure there is logged and left to the engine; the caller's
            # change has committed and must not be reported as failed.
            transaction.on_commit(functools.partial(run_first_step, escalation.pk), robust=True)
    return escalation


_batched_first_steps: ContextVar[list[int] | None] = ContextVar(
    "oncall_batched_first_steps", default=None
)


@contextlib.contextmanager
def first_steps_batched() -> Iterator[list[int]]:
    """Inside, an escalation started due now is not paged after its commit: its id is
    added to the list yielded, and the caller runs those first steps together with
    `run_due_escalations(ids=…)` (constant queries per batch). The engine does so after
    opening a batch of alerts' incidents. An id whose transaction rolled back is not
    added."""
    steps: list[int] = []
    token = _batched_first_steps.set(steps)
    try:
        yield steps
    finally:
        _batched_first_steps.reset(token)


def run_first_step(escalation_id: int) -> None:
    """The first step of a just-started escalation, in its own transaction (on commit)."""
    run_due_escalations(ids=[escalation_id])


def _stop(escalation: Escalation, status: str) -> None:
    escalation.status = status
    escalation.stopped_at = timezone.now()
    escalation.next_step_at = None
    escalation.save(update_fields=["status", "stopped_at", "next_step_at"])


def _audit_escalation(escalation: Escalation, actor: Actor, before: dict[str, Any]) -> None:
    record_action(
        actor,
        AuditAction.UPDATE,
        escalation,
        before=before,
        after={"status": escalation.status, "acknowledged_at": escalation.acknowledged_at},
    )


def _unresolved_steps_remain(escalation: Escalation) -> bool:
    steps = list(escalation.policy.steps.order_by("order"))
    if not steps:
        return False
    position = escalation.next_index - escalation.base_index
    if position % len(steps) == 0 and position > 0:
        return False  # a new round would start: after an ack nothing repeats
    return any(s.condition == StepCondition.UNRESOLVED for s in steps[position % len(steps) :])


def stop_escalation(incident: Incident, actor: Actor, *, status: str) -> None:
    """Hooks "acknowledged", "resolved", "cancelled": no more pages, except that an
    acknowledgement leaves the "not resolved within" steps still to come active."""
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("policy")
        .filter(incident=incident)
        .first()
    )
    if escalation is not None and escalation.status == EscalationStatus.ACTIVE:
        before = {"status": escalation.status, "acknowledged_at": escalation.acknowledged_at}
        if status == EscalationStatus.ACKNOWLEDGED and _unresolved_steps_remain(escalation):
            escalation.acknowledged_at = incident.acknowledged_at or timezone.now()
            escalation.save(update_fields=["acknowledged_at"])
        else:
            _stop(escalation, status)
        _audit_escalation(escalation, actor, before)
    if status == EscalationStatus.ACKNOWLEDGED:
        pages = Page.objects.filter(incident=incident, acknowledged_at__isnull=True)
        if actor.user is not None:
            pages = pages.filter(user=actor.user)
        at = incident.acknowledged_at or timezone.now()
        for page in pages.select_related("user"):
            page.acknowledged_at = at
            page.save(update_fields=["acknowledged_at"])
            record_action(
                actor,
                AuditAction.UPDATE,
                page,
                before={"acknowledged_at": None},
                after={"acknowledged_at": at},
            )


def on_declared(incident: Incident, actor: Actor) -> None:
    start_escalation(incident, actor, new=True)


def on_acknowledged(incident: Incident, actor: Actor) -> None:
    stop_escalation(incident, actor, status=EscalationStatus.ACKNOWLEDGED)


def on_closed_out(incident: Incident, actor: Actor) -> None:
    stop_escalation(incident, actor, status=EscalationStatus.STOPPED)


def on_severity_changed(incident: Incident, actor: Actor) -> None:
    if incident.acknowledged_at is None and incident.status in OPEN_STATUSES:
        start_escalation(incident, actor)


# --- One-click acknowledge ---------------------------------------------------------


def page_for_token(token: str) -> Page:
    """The page a link is for; DomainError when forged, expired or already used."""
    try:
        payload = signing.loads(token, salt=ACK_SALT, max_age=ack_link_max_age())
    except signing.SignatureExpired as exc:
        raise DomainError(
            "This acknowledge link has expired.", field="token", code="expired"
        ) from exc
    except signing.BadSignature as exc:
        raise DomainError(
            "This acknowledge link is not valid.", field="token", code="not_found"
        ) from exc
    page = (
        Page.objects.select_related("incident__severity", "user")
        .filter(pk=payload.get("page"))
        .first()
    )
    if page is None:
        raise DomainError("This acknowledge link is not valid.", field="token", code="not_found")
    if page.ack_link_used_at is not None:
        raise DomainError("This acknowledge link was already used.", field="token", code="used")
    return page


@audited_service
def acknowledge_by_link(*, token: str) -> Page:
    """Acknowledge the page's incident as the paged user; the link works once.

    Lock order as everywhere: the incident (inside acknowledge_incident), then the page.
    """
    from incidents.services import acknowledge_incident

    page = page_for_token(token)
    actor = Actor.for_user(page.user)
    now = timezone.now()
    already = page.incident.acknowledged_at is not None
    acknowledge_incident(incident=page.incident, actor=actor, at=now)
    page = (
        Page.objects.select_for_update(of=("self",))
        .select_related("incident", "user")
        .get(pk=page.pk)
    )
    if page.ack_link_used_at is not None:
        # Raised inside the transaction: the acknowledgement above rolls back with it.
        raise DomainError("This acknowledge link was already used.", field="token", code="used")
    before = snapshot(page, ["ack_link_used_at", "acknowledged_at"])
    page.ack_link_used_at = now
    page.acknowledged_at = page.acknowledged_at or now
    page.save(update_fields=["ack_link_used_at", "acknowledged_at"])
    record_changed(actor, page, before, at=now)
    if already:
        events.record(
            page.incident,
            TimelineKind.NOTE,
            f"{page.user.get_username()} acknowledged their page (incident already acknowledged).",
            actor=actor,
            at=now,
        )
    return page


@audited_service
def acknowledge_by_reply(
    *, message_id: int, via: str, at: datetime.datetime | None = None
) -> Page | None:
    """The paged person answered their page through a two-way provider (`via`: the
    provider's label): acknowledge the incident as them (the path of the signed link) and the page,
    exactly once: the page's `acknowledged_at`, under its lock, is the "once".

    Lock order as everywhere: the incident, then the page. Returns None when the message
    is not a page or the page was acknowledged already.
    """
    from incidents.services import acknowledge_incident
    from incidents.services.guards import lock_incident

    page = page_of_message(message_id)
    if page is None:
        return None
    incident = lock_incident(page.incident)
    page = (
        Page.objects.select_for_update(of=("self",))
        .select_related("incident", "user")
        .get(pk=page.pk)
    )
    if page.acknowledged_at is not None:
        return None
    actor = Actor.for_user(page.user)
    now = timezone.now()
    already = incident.acknowledged_at is not None
    if incident.status in OPEN_STATUSES:
        acknowledge_incident(incident=incident, actor=actor, at=now)
    before = snapshot(page, ["acknowledged_at"])
    page.acknowledged_at = now
    page.save(update_fields=["acknowledged_at"])
    record_changed(actor, page, before, at=now)
    events.record(
        incident,
        TimelineKind.NOTE,
        f"{page.user.get_username()} acknowledged their page in {via}"
        + (" (incident already acknowledged)." if already else "."),
        actor=actor,
        at=now,
        data={"page": page.pk, "via": via, **({"answered_at": at.isoformat()} if at else {})},
    )
    return page


def page_still_wanted(*, message_id: int) -> bool | None:
    """A page's message is wanted while its page and incident are unacknowledged and
    open; None for a message that is not a page's."""
    page = page_of_message(message_id)
    return None if page is None else page_wanted(page)


@audited_service
def escalate_by_reply(*, message_id: int, via: str) -> bool:
    """The paged person answered "escalate" (an SMS code, a key on a call): their
    escalation's next step is due now, and the incident says who asked. True when it moved."""
    page = page_of_message(message_id)
    if page is None or not page_wanted(page):
        return False
    esc = Escalation.objects.select_for_update(of=("self",)).get(pk=page.escalation_id)
    now = timezone.now()
    if esc.status != EscalationStatus.ACTIVE or esc.next_step_at is None:
        return False
    before = {"next_step_at": esc.next_step_at}
    esc.next_step_at = min(esc.next_step_at, now)
    esc.save(update_fields=["next_step_at"])
    actor = Actor.for_user(page.user)
    record_action(actor, AuditAction.UPDATE, esc, before=before, after={"next_step_at": now})
    events.record(
        page.incident,
        TimelineKind.PAGED,
        f"{page.user.get_username()} asked to escalate ({via}): the next escalation step pages now.",
        actor=actor,
        at=now,
        data={"page": page.pk, "via": via, "escalate": True},
    )
    return True


@audited_service
def _method_words(message: OutboxMessage, page: Page) -> str:
    """ "Microsoft Teams (Workflows) to ana": the person's method by its name."""
    method_id = (message.data or {}).get("contact_method") or 0
    method = ContactMethod.objects.filter(pk=method_id).first()
    how = method.get_kind_display() if method is not None else "e-mail"
    return f"{how} to {page.user.get_username()}"


def page_undeliverable(*, message_id: int, detail: str) -> bool:
    """A page's message could not be delivered: said on the incident at once, in words,
    and the person's next method tried now. Once per message (its follow-up closed)."""
    page = page_of_message(message_id)
    if page is None:
        return False
    message = OutboxMessage.objects.select_for_update(of=("self",)).get(pk=message_id)
    if (message.data or {}).get("undeliverable_said"):
        return False
    message.data = {**(message.data or {}), "undeliverable_said": True}
    message.save(update_fields=["data"])
    now = timezone.now()
    what = message.channel.name if message.channel else _method_words(message, page)
    moved = page_wanted(page) and bring_forward_next(page, now=now)
    events.record(
        page.incident,
        TimelineKind.PAGED,
        f"The page to {page.user.get_username()} could not be delivered ({what}): {detail}"
        + (" Trying their next contact method now." if moved else ""),
        actor=Actor.system("delivery"),
        at=now,
        data={"page": page.pk, "message": message_id, "undeliverable": True},
    )
    return True


def placeholder_user(username: str) -> Any:
    """A user the presets name (e.g. 'founder'), created unusable when missing."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"is_staff": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
