"""Comms writes: send a message (SPEC §7). Status-page subscribers: `subscriptions.py`.

Every customer-facing send goes through `send_comms`: it writes the
`CommsMessage`, queues the emails in the outbox (same transaction), tells the
incident's timeline and comms deadlines (`record_comms_sent`) and drops the
public pages' cache. Drills never reach customers or the status page: their
messages are recorded as sandboxed, still timed against the deadlines.
"""

from __future__ import annotations

import datetime
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents import deadlines
from incidents.choices import OPEN_STATUSES, CommsChannel, Environment, IncidentStatus
from incidents.comms import page_cache
from incidents.comms.choices import KIND_STATUS, MessageState
from incidents.comms.models import CommsMessage, CommsTemplate, Subscriber
from incidents.comms.placeholders import (
    blank_placeholders,
    fill,
    incident_values,
    promised_next_update,
    promises_next_update,
)
from incidents.comms.public_titles import public_title
from incidents.comms.subscriptions import unsubscribe_url
from incidents.models import Incident
from incidents.services import record_comms_sent
from portal.audit.scope import audited_service
from portal.audit.services import record_created
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.email_headers import LIST_UNSUBSCRIBE_KEY
from portal.notifications.models import NotificationChannel
from portal.notifications.services import (
    build_messages,
    enqueue_many,
    enqueue_notification,
    internal_comms_channels,
)

logger = logging.getLogger(__name__)

MAX_EXTRA_RECIPIENTS = 50


@dataclass(frozen=True)
class SendResult:
    message: CommsMessage
    created: bool  # False: this idempotency key was already used (a double submit).


def _parse_key(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise DomainError("Must be a UUID.", field="idempotency_key") from None


def _clean_recipients(emails: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in emails:
        email = raw.strip().lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(
                f"{raw.strip()!r} is not an email address.", field="recipients"
            ) from None
        if email not in cleaned:
            cleaned.append(email)
    if len(cleaned) > MAX_EXTRA_RECIPIENTS:
        raise DomainError(f"At most {MAX_EXTRA_RECIPIENTS} extra recipients.", field="recipients")
    return cleaned


def is_public_incident(incident: Incident) -> bool:
    """Shown on the status page: a real production incident with customer impact."""
    return (
        not incident.is_drill
        and not incident.is_demo
        and incident.environment == Environment.PRODUCTION
        and incident.customer_facing
        and incident.status != IncidentStatus.CANCELLED
    )


def _mail_subscribers(
    incident: Incident, *, subject: str, body: str, dedupe_prefix: str, data: dict[str, Any]
) -> int:
    """One outbox message per confirmed subscriber (dedupe key per message+subscriber),
    inserted in one batch: a constant number of queries however many subscribers."""
    now = timezone.now()
    rows = []
    for subscriber in Subscriber.objects.filter(
        confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).order_by("pk"):
        unsubscribe = unsubscribe_url(subscriber)
        footer = f"\n\n--\nYou subscribed to status updates. Unsubscribe: {unsubscribe}"
        rows += build_messages(
            kind="comms_customer",
            subject=subject,
            body=body + footer,
            dedupe_key=f"{dedupe_prefix}:subscriber:{subscriber.pk}",
            incident=incident,
            severity=incident.severity,
            recipient_email=subscriber.email,
            audience="customer",
            # RFC 8058 one-click: the same link answers a POST without cookies.
            data={**data, LIST_UNSUBSCRIBE_KEY: unsubscribe},
            now=now,
        )
    enqueue_many(rows)
    return len(rows)


def _deliver(message: CommsMessage) -> int:
    """Queue the message's emails in the outbox; returns how many recipients."""
    incident = message.incident
    if message.channel == CommsChannel.STATUS_PAGE and message.public:
        label = (
            IncidentStatus(message.announced_status).label if message.announced_status else "Update"
        )
        return _mail_subscribers(
            incident,
            subject=f"[{label}] {public_title(incident)}",
            body=message.body,
            dedupe_prefix=f"comms:{message.pk}",
            data={"comms_message": message.pk},
        )
    if message.channel == CommsChannel.EMAIL:
        subject = message.subject or f"Service update: {public_title(incident)}"
        count = _mail_subscribers(
            incident,
            subject=subject,
            body=message.body,
            dedupe_prefix=f"comms:{message.pk}",
            data={"comms_message": message.pk},
        )
        for email in message.extra_recipients:
            enqueue_notification(
                kind="comms_customer",
                subject=subject,
                body=message.body,
                dedupe_key=f"comms:{message.pk}:to:{email}",
                incident=incident,
                severity=incident.severity,
                recipient_email=email,
                audience="customer",
                data={"comms_message": message.pk},
            )
            count += 1
        return count
    if message.channel == CommsChannel.INTERNAL:
        # A channel routed for internal updates ("internal:S1" → #ops) wins over the
        # level's alert routing (#errors); without one, the level's routing applies.
        routed: list[NotificationChannel | None] = [
            *internal_comms_channels(incident.severity.code)
        ] or [None]
        for target in routed:
            enqueue_notification(
                kind="comms_internal",
                subject=message.subject or message.body.splitlines()[0][:200],
                body=message.body,
                dedupe_key=f"comms:{message.pk}:internal",
                incident=incident,
                severity=incident.severity,
                channel=target,
                audience="internal",
                data={"comms_message": message.pk},
            )
    return 0


# The order customers read on the status page; a post announcing an earlier one after
# a later one reads backwards ("Investigating" under "Identified", issue 25).
PUBLIC_ORDER = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
    IncidentStatus.RESOLVED,
)
_STATUS_TAG = re.compile(r"^\s*\[(?P<status>[A-Za-z]+)\]")


def _refuse_backwards(
    incident: Incident, channel: str, *, kind: str, announced: str, body: str
) -> None:
    """Refuse a customer post whose status (said outright, by its template's kind, or by
    a leading "[INVESTIGATING]" in its text) is behind the incident's own."""
    if channel not in (CommsChannel.STATUS_PAGE, CommsChannel.IN_PRODUCT_BANNER):
        return
    current = incident.status if incident.status in PUBLIC_ORDER else IncidentStatus.RESOLVED
    tag = _STATUS_TAG.match(body)
    said = [
        ("status", announced),
        ("template", KIND_STATUS.get(kind, "")),
        ("body", tag.group("status").lower() if tag else ""),
    ]
    for field, status in said:
        if status in PUBLIC_ORDER and PUBLIC_ORDER.index(status) < PUBLIC_ORDER.index(current):
            raise DomainError(
                f"This post says {IncidentStatus(status).label}, but the incident is "
                f"{IncidentStatus(current).label}: the status page would read backwards. "
                f"Write an update for {IncidentStatus(current).label} instead.",
                field=field,
            )


@audited_service
def send_comms(
    *,
    incident: Incident,
    actor: Actor,
    channel: str,
    template: CommsTemplate | None = None,
    subject: str = "",
    body: str = "",
    idempotency_key: Any,
    extra_recipients: Iterable[str] = (),
    announced_status: str = "",
    allow_blanks: bool = False,
) -> SendResult:
    """Send one message about `incident` on `channel` (a CommsChannel value).

    `subject`/`body` default to `template`'s; placeholders in either are filled from
    the incident (unknown ones are left as written). The same `idempotency_key`
    twice sends once: the second call returns the first message with created=False.
    Status-page posts and emails reach confirmed subscribers (and `extra_recipients`
    for email) through the outbox; nothing customer-facing leaves during a drill.
    A placeholder that would be filled with nothing ("Root cause: .") refuses the
    send, naming every blank, unless `allow_blanks` says the sender confirmed it.
    """
    if channel not in CommsChannel.values:
        raise DomainError(
            f"Unknown channel; use one of {', '.join(CommsChannel.values)}.", field="channel"
        )
    key = _parse_key(idempotency_key)
    # The incident row alone: its severity level is shared by every incident of that level.
    incident = (
        Incident.objects.select_for_update(of=("self",), no_key=True)
        .select_related("severity")
        .get(pk=incident.pk)
    )
    existing = CommsMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.incident_id != incident.pk:
            raise DomainError("This key was used for another incident.", field="idempotency_key")
        return SendResult(existing, created=False)
    if template is not None and template.policy_version_id not in (
        None,
        incident.policy_version_id,
    ):
        raise DomainError("This template belongs to another policy.", field="template")
    if incident.status == IncidentStatus.CANCELLED and channel != CommsChannel.INTERNAL:
        raise DomainError("A cancelled incident gets no customer comms.", field="channel")
    values = incident_values(incident, internal=channel == CommsChannel.INTERNAL)
    raw_subject = (subject or (template.subject if template else "")).strip()
    raw_body = (body or (template.body if template else "")).strip()
    blanks = blank_placeholders(raw_subject + "\n" + raw_body, values)
    if blanks and not allow_blanks:
        raise DomainError(
            "These placeholders are still empty: "
            + ", ".join("{" + name + "}" for name in blanks)
            + ". Fill them in (the incident's customer facts, the post-mortem) or confirm "
            "sending with blanks.",
            field="body",
        )
    subject = fill(raw_subject, values)
    body = fill(raw_body, values)
    if not body:
        raise DomainError("Write the message (or pick a template).", field="body")
    recipients = _clean_recipients(extra_recipients)
    if recipients and channel != CommsChannel.EMAIL:
        raise DomainError("Extra recipients only apply to email.", field="recipients")
    if announced_status and announced_status not in IncidentStatus.values:
        raise DomainError("Unknown status.", field="status")
    kind = template.kind if template else ""
    _refuse_backwards(incident, channel, kind=kind, announced=announced_status, body=raw_body)
    announced_status = announced_status or KIND_STATUS.get(kind, "") or incident.status
    sandbox = incident.is_drill
    if sandbox:
        state = MessageState.SANDBOXED
    elif channel in (CommsChannel.STATUS_PAGE, CommsChannel.IN_PRODUCT_BANNER):
        state = MessageState.PUBLISHED
    else:
        state = MessageState.QUEUED
    now = timezone.now()
    try:
        with transaction.atomic():
            message = CommsMessage.objects.create(
                incident=incident,
                channel=channel,
                template=template,
                kind=kind,
                announced_status=announced_status,
                subject=subject[:200],
                body=body,
                state=state,
                public=channel == CommsChannel.STATUS_PAGE
                and not sandbox
                and is_public_incident(incident),
                extra_recipients=recipients,
                idempotency_key=key,
                sent_at=now,
                sent_by=actor.user,
                actor_label=actor.label[:120],
            )
    except IntegrityError:
        return SendResult(CommsMessage.objects.get(idempotency_key=key), created=False)
    if not sandbox:
        message.recipient_count = _deliver(message)
        message.save(update_fields=["recipient_count"])
    record_created(actor, message, at=now)
    summary = (subject or body.splitlines()[0])[:200]
    record_comms_sent(
        incident=incident,
        actor=actor,
        channel=channel,
        summary=summary + (" (drill: sandboxed)" if sandbox else ""),
        at=now,
        data={"comms_message": message.pk, "sandbox": sandbox},
    )
    _track_next_update_promise(
        incident, channel, raw_subject + "\n" + raw_body, actor=actor, at=now
    )
    page_cache.invalidate()
    return SendResult(message, created=True)


def _track_next_update_promise(
    incident: Incident, channel: str, raw_text: str, *, actor: Actor, at: datetime.datetime
) -> None:
    """000: "We'll post the next update at {now + 30min}". A customer post keeps the
    previous promise; a message that promises a time makes it the next status-update
    deadline (the incident row is already locked by `send_comms`)."""
    if channel == CommsChannel.INTERNAL:
        return
    met = deadlines.meet_promised_status_update(incident, at, actor=actor)
    promised = incident.status in OPEN_STATUSES and promises_next_update(raw_text)
    if promised:
        deadlines.promise_status_update(
            incident, promised_next_update(incident, at), at=at, actor=actor
        )
    if met or promised:
        deadlines.refresh_next_deadline(incident)


def on_status_update(incident: Incident, actor: Actor) -> None:
    """Incident hook: a public status update is a status-page post.

    It is mailed to confirmed subscribers and counted against the status-page comms
    deadline (sandboxed for drills, like `send_comms`). Runs inside the update's
    transaction; the outbox dedupe keys make a repeated call harmless.
    """
    update = incident.status_updates.order_by("-posted_at", "-id").first()
    if update is None or not update.public:
        return
    sandbox = incident.is_drill
    if not sandbox and is_public_incident(incident):
        _mail_subscribers(
            incident,
            subject=f"[{update.get_status_display()}] {public_title(incident)}",
            body=update.message,
            dedupe_prefix=f"comms:status-update:{update.pk}",
            data={"status_update": update.pk},
        )
    record_comms_sent(
        incident=incident,
        actor=actor,
        channel=CommsChannel.STATUS_PAGE,
        summary=f"public status update ({update.get_status_display()})"
        + (" (drill: sandboxed)" if sandbox else ""),
        at=update.posted_at,
        data={"status_update": update.pk, "sandbox": sandbox},
    )
    page_cache.invalidate()
