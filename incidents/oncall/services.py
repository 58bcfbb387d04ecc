"""Writes of the on-call app: escalations (start, stop, run due steps) and the
one-click acknowledge link. Hooks on incident events are registered in apps.py."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from incidents import events
from incidents.choices import OPEN_STATUSES, TimelineKind
from incidents.exceptions import DomainError
from incidents.models import Incident, TimelineEntry
from incidents.oncall.choices import EscalationStatus, TargetKind
from incidents.oncall.models import Escalation, EscalationStep, Page, SeverityEscalation
from incidents.oncall.selectors import OnCallEntry, who_is_on_call
from portal.actors import Actor
from portal.audit.scope import audited_service
from portal.audit.services import (
    prepare_created,
    record_changed,
    record_created,
    record_entries,
    record_row_changes,
)
from portal.audit.snapshots import snapshot
from portal.notifications.models import OutboxMessage
from portal.notifications.services import build_messages, deliver_after_commit, routing_rules

logger = logging.getLogger(__name__)
ACK_SALT = "oncall.ack"


def ack_link_max_age() -> datetime.timedelta:
    return datetime.timedelta(hours=int(getattr(settings, "ONCALL_ACK_LINK_MAX_AGE_HOURS", 24)))


# --- Escalation lifecycle (called from the incident hooks) -------------------------


def _policy_for(incident: Incident) -> Any:
    link = (
        SeverityEscalation.objects.select_related("policy")
        .filter(level_code=incident.severity.code)
        .first()
    )
    return link.policy if link else None


def start_escalation(incident: Incident, actor: Actor) -> Escalation | None:
    """Hook "declared" (and "severity_changed" while unacknowledged): (re)start the
    level's escalation policy and run its first step at once when it has no delay.
    Demo data (`make run DEMO=1`) never pages anyone."""
    if incident.is_demo:
        return None
    policy = _policy_for(incident)
    escalation = Escalation.objects.select_for_update().filter(incident=incident).first()
    if policy is None:
        if escalation is not None and escalation.status == EscalationStatus.ACTIVE:
            _stop(escalation, EscalationStatus.STOPPED, actor)
        return escalation
    first = policy.steps.order_by("order").first()
    if first is None:
        return escalation
    now = timezone.now()
    if escalation is None:
        start = incident.declared_at or now
        escalation = Escalation(
            incident=incident, policy=policy, started_at=start, next_index=0, base_index=0
        )
    elif escalation.status == EscalationStatus.ACTIVE:
        # A new severity: its policy's chain starts over now; index numbers keep growing.
        start = now
        escalation.policy = policy
        escalation.base_index = escalation.next_index
    else:
        return escalation
    before = None if escalation.pk is None else snapshot(escalation, _ESCALATION_STATE)
    escalation.next_step_at = start + datetime.timedelta(minutes=first.delay_minutes)
    escalation.save()
    if before is None:
        record_created(actor, escalation, at=now)
    else:
        record_changed(actor, escalation, before, at=now)
    if escalation.next_step_at <= now:
        run_due_escalations(now=now, ids=[escalation.pk])
    return escalation


_ESCALATION_STATE = [
    "policy_id",
    "status",
    "next_index",
    "base_index",
    "next_step_at",
    "stopped_at",
]


def _stop(escalation: Escalation, status: str, actor: Actor) -> None:
    before = snapshot(escalation, _ESCALATION_STATE)
    escalation.status = status
    escalation.stopped_at = timezone.now()
    escalation.next_step_at = None
    escalation.save(update_fields=["status", "stopped_at", "next_step_at"])
    record_changed(actor, escalation, before, at=escalation.stopped_at)


def stop_escalation(incident: Incident, actor: Actor, *, status: str) -> None:
    """Hooks "acknowledged", "resolved", "cancelled": no more pages."""
    escalation = Escalation.objects.select_for_update().filter(incident=incident).first()
    if escalation is not None and escalation.status == EscalationStatus.ACTIVE:
        _stop(escalation, status, actor)
    if status == EscalationStatus.ACKNOWLEDGED:
        pages = Page.objects.filter(incident=incident, acknowledged_at__isnull=True)
        if actor.user is not None:
            pages = pages.filter(user=actor.user)
        at = incident.acknowledged_at or timezone.now()
        events.rows_updated(
            actor, pages.order_by("pk"), {"acknowledged_at": at}, described_by=("target",), at=at
        )


def on_declared(incident: Incident, actor: Actor) -> None:
    start_escalation(incident, actor)


def on_acknowledged(incident: Incident, actor: Actor) -> None:
    stop_escalation(incident, actor, status=EscalationStatus.ACKNOWLEDGED)


def on_closed_out(incident: Incident, actor: Actor) -> None:
    stop_escalation(incident, actor, status=EscalationStatus.STOPPED)


def on_severity_changed(incident: Incident, actor: Actor) -> None:
    if incident.acknowledged_at is None and incident.status in OPEN_STATUSES:
        start_escalation(incident, actor)


# --- Running due steps (sweeper, and the declaration itself) ------------------------


def _step_users(step: EscalationStep, oncall: list[OnCallEntry]) -> list[tuple[Any, str]]:
    """(user, why) pairs for one step, from the on-call snapshot taken once per run."""
    kind = step.target_kind
    if kind == TargetKind.USER:
        return [(step.user, "named user")]
    if kind == TargetKind.GROUP:
        group = step.group
        return (
            [(u, f"group {group.name}") for u in group.user_set.all()] if group is not None else []
        )
    entries = [
        e
        for e in oncall
        if e.schedule.pk == step.schedule_id
        and (step.layer_id is None or e.layer.pk == step.layer_id)
    ]
    if kind == TargetKind.SCHEDULE:
        return [(e.user, f"{e.schedule.name} / {e.layer.name} on call") for e in entries]
    return [
        (e.next_user, f"{e.schedule.name} / {e.layer.name} next in rotation")
        for e in entries
        if e.next_user is not None
    ]


def ack_token(page: Page) -> str:
    return signing.dumps({"page": page.pk}, salt=ACK_SALT)


def ack_url(page: Page) -> str:
    return settings.PORTAL_BASE_URL + reverse("oncall:ack", args=[ack_token(page)])


def _page_text(incident: Incident, page: Page, round_no: int) -> tuple[str, str]:
    drill = "[DRILL] " if incident.is_drill else ""
    subject = f"{drill}PAGE {incident.severity.code} {incident.ref}: {incident.title}"
    again = f" (repeat {round_no})" if round_no else ""
    body = (
        f"{page.user.get_username()}, you are paged{again} for {incident.ref} "
        f"({incident.severity.code}, {incident.get_status_display()}): {incident.title}\n"
        f"Why you: {page.target} (escalation step {page.step_order}).\n"
        f"Acknowledge (one click, no login): {ack_url(page)}\n"
        f"Incident: {settings.PORTAL_BASE_URL}{reverse('admin:incidents_incident_change', args=[incident.pk])}"
    )
    return subject, body


def _claim_due(now: datetime.datetime, ids: list[int] | None, limit: int) -> list[Escalation]:
    qs = Escalation.objects.filter(status=EscalationStatus.ACTIVE, next_step_at__lte=now)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(qs.select_for_update(skip_locked=True, of=("self",)).order_by("pk")[:limit])


ESCALATION_ACTOR = Actor.system("escalation")


@audited_service
def run_due_escalations(
    *, now: datetime.datetime | None = None, ids: list[int] | None = None, limit: int = 200
) -> int:
    """Run the due step of up to `limit` active escalations; returns pages written.

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL): a concurrent
    sweeper skips them and, once this commits, sees them advanced. Pages, their outbox
    rows and the timeline rows commit together with the advance: exactly once.
    A constant number of queries per batch."""
    now = now or timezone.now()
    claimed = _claim_due(now, ids, limit)
    if not claimed:
        return 0
    escalations = list(
        Escalation.objects.filter(pk__in=[e.pk for e in claimed])
        .select_related("incident__severity", "policy")
        .prefetch_related(
            "policy__steps__group__user_set", "policy__steps__user", "policy__steps__channel"
        )
        .order_by("pk")
    )
    states = {e.pk: snapshot(e, _ESCALATION_STATE) for e in escalations}
    oncall = who_is_on_call(now)
    pages: list[Page] = []
    exhausted: list[Escalation] = []
    for esc in escalations:
        steps = sorted(esc.policy.steps.all(), key=lambda s: s.order)
        position = esc.next_index - esc.base_index
        total = len(steps) * (esc.policy.repeat + 1)
        if not steps or position >= total:
            esc.status, esc.next_step_at, esc.stopped_at = EscalationStatus.EXHAUSTED, None, now
            exhausted.append(esc)
            continue
        step = steps[position % len(steps)]
        seen: set[int] = set()
        for user, why in _step_users(step, oncall):
            if user.pk in seen:
                continue
            seen.add(user.pk)
            pages.append(
                Page(
                    incident=esc.incident,
                    escalation=esc,
                    index=esc.next_index,
                    step_order=step.order,
                    user=user,
                    target=why[:200],
                    channel=step.channel,
                    paged_at=now,
                )
            )
        esc.next_index += 1
        position += 1
        if position >= total:
            esc.status, esc.next_step_at, esc.stopped_at = EscalationStatus.EXHAUSTED, None, now
            exhausted.append(esc)
        else:
            nxt = steps[position % len(steps)]
            wait = (
                esc.policy.repeat_after_minutes if position % len(steps) == 0 else nxt.delay_minutes
            )
            # Counted from when the step was due, so a late sweep does not stretch the chain
            # (but never more than one step per run).
            esc.next_step_at = max(
                esc.next_step_at or now, now - datetime.timedelta(minutes=wait)
            ) + datetime.timedelta(minutes=wait)
    Escalation.objects.bulk_update(
        escalations, ["status", "next_index", "next_step_at", "stopped_at"]
    )
    record_row_changes(
        ESCALATION_ACTOR,
        Escalation,
        [(e.pk, str(e), states[e.pk], snapshot(e, _ESCALATION_STATE)) for e in escalations],
        at=now,
    )
    Page.objects.bulk_create(pages)
    record_entries([prepare_created(ESCALATION_ACTOR, page, at=now) for page in pages])
    _notify_pages(pages, now)
    _record_timeline(pages, exhausted, now)
    return len(pages)


def _notify_pages(pages: list[Page], now: datetime.datetime) -> None:
    rules = routing_rules()
    messages: list[OutboxMessage] = []
    for page in pages:
        steps = len(page.escalation.policy.steps.all()) or 1
        round_no = (page.index - page.escalation.base_index) // steps
        subject, body = _page_text(page.incident, page, round_no)
        built = build_messages(
            kind="page",
            subject=subject,
            body=body,
            dedupe_key=f"page:{page.pk}",
            incident=page.incident,
            channel=page.channel,
            recipient_user=None if page.channel else page.user,
            rules=rules,
            now=now,
            data={"page": page.pk, "user": page.user.get_username()},
        )
        messages.extend(built)
    OutboxMessage.objects.bulk_create(messages)
    for page, message in zip(pages, messages, strict=True):
        page.message = message
    Page.objects.bulk_update(pages, ["message"])
    deliver_after_commit([m.pk for m in messages])


def _record_timeline(
    pages: list[Page], exhausted: list[Escalation], now: datetime.datetime
) -> None:
    """Timeline rows in one INSERT (the same fields `incidents.events.record` writes)."""
    label = "escalation"
    by_step: dict[tuple[int, int], list[Page]] = defaultdict(list)
    for page in pages:
        by_step[(page.incident.pk, page.index)].append(page)
    rows = []
    for group in by_step.values():
        first = group[0]
        names = ", ".join(f"{p.user.get_username()} ({p.target})" for p in group)
        via = f" via {first.channel.name}" if first.channel else " by email"
        rows.append(
            TimelineEntry(
                incident=first.incident,
                at=now,
                kind=TimelineKind.PAGED,
                actor=None,
                actor_label=label,
                message=f"Paged {names}{via} (escalation step {first.step_order}).",
                data={
                    "pages": [p.pk for p in group],
                    "step": first.step_order,
                    "index": first.index,
                },
            )
        )
    for esc in exhausted:
        rows.append(
            TimelineEntry(
                incident=esc.incident,
                at=now,
                kind=TimelineKind.PAGED,
                actor=None,
                actor_label=label,
                message=f"Escalation policy {esc.policy.name} finished: nobody acknowledged.",
                data={},
            )
        )
    events.record_many(rows, actor=ESCALATION_ACTOR)


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


def placeholder_user(username: str, *, actor: Actor) -> Any:
    """A user the presets name (e.g. 'founder'), created unusable when missing."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"is_staff": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        record_created(actor, user, fields=["id", "username", "is_staff"])
    return user
