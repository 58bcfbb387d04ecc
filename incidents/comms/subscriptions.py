"""Status-page subscribers (SPEC §7): double opt-in subscription, confirmation and
unsubscribe links signed with their own salts. Subscribers are customers' personal
data and stay out of the audit log; the log lines keep who acted without the address.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone

from incidents.comms.models import Subscriber
from portal.audit.scope import audited_service
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.services import enqueue_notification

logger = logging.getLogger(__name__)

CONFIRM_SALT = "comms.subscribe.confirm"
UNSUBSCRIBE_SALT = "comms.subscribe.unsubscribe"
CONFIRM_MAX_AGE = datetime.timedelta(days=7)


def _absolute(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def confirm_url(subscriber: Subscriber) -> str:
    token = signing.dumps({"id": subscriber.pk, "e": subscriber.email}, salt=CONFIRM_SALT)
    return _absolute(reverse("comms:subscribe-confirm", args=[token]))


def unsubscribe_url(subscriber: Subscriber) -> str:
    token = signing.dumps({"id": subscriber.pk, "e": subscriber.email}, salt=UNSUBSCRIBE_SALT)
    return _absolute(reverse("comms:unsubscribe", args=[token]))


def _normalise_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid email address.", field="email") from None
    return email


@audited_service
def subscribe(*, email: str, actor: Actor) -> None:
    """Ask `email` to confirm its subscription (double opt-in).

    Says nothing about whether the address was known: an active subscriber gets
    no mail, anyone else gets at most one confirmation email per day.
    """
    email = _normalise_email(email)
    now = timezone.now()
    subscriber, _ = Subscriber.objects.get_or_create(email=email, defaults={"created_at": now})
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.is_active:
        return
    if subscriber.unsubscribed_at is not None:
        subscriber.unsubscribed_at = None
        subscriber.confirmed_at = None
        subscriber.save(update_fields=["unsubscribed_at", "confirmed_at"])
    name = settings.PORTAL_NAME
    enqueue_notification(
        kind="comms_subscribe_confirm",
        subject=f"Confirm your subscription to {name} status updates",
        body=(
            f"Someone (hopefully you) asked to receive status updates at {email}.\n\n"
            f"Confirm: {confirm_url(subscriber)}\n\nIf it was not you, ignore this email."
        ),
        dedupe_key=f"comms:confirm:{subscriber.pk}:{now:%Y-%m-%d}",
        recipient_email=email,
        audience="customer",
        data={"requested_by": actor.label},
    )


def _load(token: str, *, salt: str, max_age: datetime.timedelta | None) -> Subscriber:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise DomainError("This link has expired; subscribe again.", field="token") from None
    except signing.BadSignature:
        raise DomainError("This link is not valid.", field="token", code="not_found") from None
    subscriber = (
        Subscriber.objects.select_for_update()
        .filter(pk=data.get("id"), email=data.get("e"))
        .first()
    )
    if subscriber is None:
        raise DomainError("This link is not valid.", field="token", code="not_found")
    return subscriber


@audited_service
def confirm_subscription(*, token: str, actor: Actor) -> Subscriber:
    """The confirm link was followed: start mailing public updates."""
    subscriber = _load(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    if not subscriber.is_active:
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])
        # Subscribers are customers' PII and stay out of the audit log; the log line
        # keeps who acted without the address.
        logger.info("comms: subscriber %s confirmed (%s)", subscriber.pk, actor.label)
    return subscriber


@audited_service
def unsubscribe(*, token: str, actor: Actor) -> Subscriber:
    """The unsubscribe link was used: stop at once (idempotent)."""
    subscriber = _load(token, salt=UNSUBSCRIBE_SALT, max_age=None)
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])
        logger.info("comms: subscriber %s unsubscribed (%s)", subscriber.pk, actor.label)
    return subscriber
