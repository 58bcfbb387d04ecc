"""Paging the person: a page rings its person's own contact methods, by their rules.

A page's person is reached by their notification rules (push at 0, SMS at 1, voice at 3
…); a person with verified methods and no rules gets every usable method at 0; a person
with neither gets e-mail, if they have an address. Each rule becomes a
`PersonalNotification`: those due now are written to the outbox with the page, the
later ones by `send_due_personal_notifications` (the engine's escalation loop, the
minute sweeper) only while the page is still wanted: a page or incident acknowledged,
resolved or closed first marks them "not sent", never stale pages on a phone.

A page that can reach nobody (no usable method, no e-mail) says so on the incident at
once and the policy's fallback is paged instead (`paging.py`). The step's channel, when
it has one, is a broadcast on top of this (with its @here); a disabled channel is said
on the incident, never waited on silently.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from incidents import events
from incidents.choices import OPEN_STATUSES, TimelineKind
from incidents.models import TimelineEntry
from incidents.oncall.choices import CONTACT_PROVIDERS, PersonalNotificationStatus
from incidents.oncall.models import ContactMethod, NotificationRule, Page, PersonalNotification
from incidents.oncall.page_words import ack_url, incident_url, page_text
from portal.kernel.actors import Actor
from portal.notifications.choices import Audience, OutboxStatus
from portal.notifications.models import OutboxMessage
from portal.notifications.services import build_messages, deliver_after_commit

ENGINE_ACTOR = Actor.system("escalation")


@dataclass
class Plan:
    """How one person is reached: (method, minutes after the page) in order, or e-mail."""

    steps: list[tuple[ContactMethod, int]] = field(default_factory=list)
    email: str = ""

    @property
    def reachable(self) -> bool:
        return bool(self.steps or self.email)


def plans_for(users: list[Any]) -> dict[int, Plan]:
    """Each user's plan, in two queries whatever the number of users."""
    ids = sorted({u.pk for u in users})
    usable = list(
        ContactMethod.objects.filter(
            user_id__in=ids, enabled=True, verified_at__isnull=False
        ).order_by("user_id", "kind", "pk")
    )
    by_pk = {m.pk: m for m in usable}
    rules: dict[int, list[tuple[ContactMethod, int]]] = defaultdict(list)
    for rule in NotificationRule.objects.filter(user_id__in=ids).order_by("delay_minutes", "pk"):
        method = by_pk.get(rule.contact_method_id)
        if method is not None:
            rules[rule.user_id].append((method, rule.delay_minutes))
    methods: dict[int, list[ContactMethod]] = defaultdict(list)
    for method in usable:
        methods[method.user_id].append(method)
    plans = {}
    for user in users:
        steps = rules.get(user.pk) or [(m, 0) for m in methods.get(user.pk, [])]
        plans[user.pk] = Plan(steps=steps, email=(user.email or "").strip())
    return plans


def describe(plan: Plan) -> str:
    """ "SMS …0001 now, voice call …0001 at +2 min" / "by e-mail to a…@example.com"."""
    if plan.steps:
        return ", ".join(
            f"{m.get_kind_display()} {m.masked_address()} "
            + ("now" if delay == 0 else f"at +{delay} min")
            for m, delay in plan.steps
        )
    if plan.email:
        local, _, domain = plan.email.partition("@")
        return f"by e-mail to {local[:1]}…@{domain}"
    return "no way to reach them"


def page_wanted(page: Page) -> bool:
    incident = page.incident
    return (
        page.acknowledged_at is None
        and incident.acknowledged_at is None
        and incident.status in OPEN_STATUSES
    )


def personal_message(
    page: Page,
    method: ContactMethod | None,
    subject: str,
    body: str,
    *,
    now: datetime.datetime,
    delay: int = 0,
) -> OutboxMessage:
    """The outbox row of one personal notification (a person's contact method, or their
    e-mail when `method` is None)."""
    data = {
        "page": page.pk,
        "user": page.user.get_username(),
        "ack_url": ack_url(page),
        "incident_url": incident_url(page.incident),
    }
    if method is None:
        [message] = build_messages(
            kind="page",
            subject=subject,
            body=body,
            dedupe_key=f"page:{page.pk}:email",
            incident=page.incident,
            recipient_user=page.user,
            now=now,
            data=data,
        )
        return message
    return OutboxMessage(
        kind="page",
        recipient=method.address,
        recipient_user=page.user,
        provider_kind=CONTACT_PROVIDERS[method.kind],
        audience=Audience.INTERNAL,
        destination=f"contact:{method.pk}",
        dedupe_key=f"page:{page.pk}:contact:{method.pk}:{delay}",
        subject=subject[:300],
        body=body,
        data={**data, "contact_method": method.pk},
        incident=page.incident,
        status=OutboxStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )


@dataclass
class Scheduled:
    notifications: list[PersonalNotification] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)
    # The notification (or None: e-mail) of each message, in `messages` order.
    sources: list[PersonalNotification | None] = field(default_factory=list)


def schedule_page(
    page: Page, plan: Plan, subject: str, body: str, now: datetime.datetime, out: Scheduled
) -> None:
    """The page's personal notifications: those due now get their outbox row at once."""
    if not plan.steps:
        if plan.email:
            out.messages.append(personal_message(page, None, subject, body, now=now))
            out.sources.append(None)
        return
    for method, delay in plan.steps:
        notification = PersonalNotification(
            page=page,
            contact_method=method,
            delay_minutes=delay,
            due_at=now + datetime.timedelta(minutes=delay),
        )
        out.notifications.append(notification)
        if delay == 0:
            notification.status = PersonalNotificationStatus.SENT
            out.messages.append(personal_message(page, method, subject, body, now=now, delay=delay))
            out.sources.append(notification)


def save_scheduled(out: Scheduled) -> None:
    """Write the batch's personal notifications and their outbox rows (3 statements)."""
    OutboxMessage.objects.bulk_create(out.messages)
    for message, source in zip(out.messages, out.sources, strict=True):
        if source is not None:
            source.message = message
    PersonalNotification.objects.bulk_create(out.notifications)


def send_due_personal_notifications(
    *, now: datetime.datetime | None = None, limit: int = 200
) -> dict[str, int]:
    """The later rules of pages still unanswered: sent, or marked "not sent" when the page
    or its incident was acknowledged, resolved or closed first. Safe to run concurrently
    (rows claimed with SKIP LOCKED); constant statements per batch."""
    now = now or timezone.now()
    counts = {"sent": 0, "stale": 0, "undeliverable": 0}
    with transaction.atomic():
        due = list(
            PersonalNotification.objects.filter(
                status=PersonalNotificationStatus.SCHEDULED, due_at__lte=now
            )
            .select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "page__incident__severity", "page__user", "page__escalation", "contact_method"
            )
            .order_by("due_at", "pk")[:limit]
        )
        if not due:
            return counts
        out = Scheduled()
        notes: list[TimelineEntry] = []
        for notification in due:
            page, method = notification.page, notification.contact_method
            if not page_wanted(page):
                notification.status = PersonalNotificationStatus.STALE
                notification.detail = "Not sent: acknowledged, resolved or closed first."
                counts["stale"] += 1
                continue
            if method is None or not method.usable:
                notification.status = PersonalNotificationStatus.UNDELIVERABLE
                notification.detail = "Not sent: the contact method was removed or disabled."
                counts["undeliverable"] += 1
                notes.append(
                    events.timeline_row(
                        page.incident,
                        TimelineKind.PAGED,
                        f"Could not notify {page.user.get_username()} at +"
                        f"{notification.delay_minutes} min: their contact method was removed "
                        "or disabled since the page.",
                        actor=ENGINE_ACTOR,
                        at=now,
                        data={"page": page.pk, "undeliverable": True},
                    )
                )
                continue
            subject, body = page_text(page.incident, page, 0, "")
            notification.status = PersonalNotificationStatus.SENT
            out.messages.append(
                personal_message(
                    page, method, subject, body, now=now, delay=notification.delay_minutes
                )
            )
            out.sources.append(notification)
            counts["sent"] += 1
        OutboxMessage.objects.bulk_create(out.messages)
        for message, source in zip(out.messages, out.sources, strict=True):
            if source is not None:
                source.message = message
        PersonalNotification.objects.bulk_update(due, ["status", "detail", "message"])
        if notes:
            TimelineEntry.objects.bulk_create(notes)
        deliver_after_commit([m.pk for m in out.messages])
    return counts


def page_of_message(message_id: int) -> Page | None:
    """The page an outbox message was sent for (its channel post, or a personal
    notification), with its incident and person."""
    data = OutboxMessage.objects.filter(pk=message_id).values_list("data", flat=True).first()
    page_id = (data or {}).get("page") if isinstance(data, dict) else None
    if not isinstance(page_id, int):
        return None
    return Page.objects.select_related("incident", "user").filter(pk=page_id).first()


def bring_forward_next(page: Page, *, now: datetime.datetime) -> bool:
    """A notification of `page` could not be delivered: its next scheduled one is due now
    (the next method is tried at once, not at its own minute). True when there was one."""
    nxt = (
        PersonalNotification.objects.filter(
            page=page, status=PersonalNotificationStatus.SCHEDULED, due_at__gt=now
        )
        .order_by("due_at", "pk")
        .first()
    )
    if nxt is None:
        return False
    PersonalNotification.objects.filter(pk=nxt.pk).update(due_at=now)
    return True


PHONE_KINDS = ("sms", "voice")


def phone_gap(user: Any) -> str:
    """What is missing before a page would ring `user`'s phone, in one line ("" when nothing)."""
    usable = ContactMethod.objects.filter(user=user, enabled=True, verified_at__isnull=False)
    if usable.filter(kind__in=PHONE_KINDS).exists():
        return ""
    if usable.exists():
        return (
            "A page would reach you, but no phone would ring: add a verified SMS or voice method."
        )
    return "A page would not reach you: you have no verified contact method."


@transaction.atomic
def page_me(*, actor: Actor, user: Any, now: datetime.datetime | None = None) -> list[str]:
    """A test page to `user` through every way their real pages would take, now; returns
    what was used ("SMS …0001"…). Audited with the actor."""
    from portal.audit.choices import AuditAction
    from portal.audit.services import record_action

    now = now or timezone.now()
    plan = plans_for([user])[user.pk]
    subject = f"TEST PAGE for {user.get_username()}"
    body = (
        f"{user.get_username()}, this is a test page from the incident portal "
        f"({actor.label}). If your phone rang, paging works. Nothing to acknowledge."
    )
    messages: list[OutboxMessage] = []
    used: list[str] = []
    stamp = int(now.timestamp())
    for method, _delay in plan.steps:
        messages.append(
            OutboxMessage(
                kind="test_page",
                recipient=method.address,
                recipient_user=user,
                provider_kind=CONTACT_PROVIDERS[method.kind],
                audience=Audience.INTERNAL,
                destination=f"contact:{method.pk}",
                dedupe_key=f"test_page:{user.pk}:{stamp}",
                subject=subject,
                body=body,
                data={"user": user.get_username(), "contact_method": method.pk},
                status=OutboxStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )
        used.append(f"{method.get_kind_display()} {method.masked_address()}")
    if not messages and plan.email:
        messages += build_messages(
            kind="test_page",
            subject=subject,
            body=body,
            dedupe_key=f"test_page:{user.pk}:{stamp}",
            recipient_user=user,
            now=now,
        )
        used.append(describe(plan))
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    saved = list(
        OutboxMessage.objects.filter(dedupe_key=f"test_page:{user.pk}:{stamp}").values_list(
            "pk", flat=True
        )
    )
    record_action(
        actor,
        AuditAction.UPDATE,
        user,
        before=None,
        after={"test_page": used},
    )
    deliver_after_commit(saved)
    return used
