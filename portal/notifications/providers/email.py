"""E-mail through Django's e-mail backend (`EMAIL_URL`); the target is the address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email

from portal.notifications.email_headers import email_headers, reply_to
from portal.notifications.providers import DeliveryError, Provider, Sent

KIND = "email"


def _send(message: Any, target: str) -> Sent:
    if not target:
        raise DeliveryError("no address to send to (the user has no email address)")
    try:
        EmailMessage(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [target],
            # Auto-Submitted, List-Unsubscribe (RFC 8058), Reply-To: from the row alone.
            headers=email_headers(message),
            reply_to=reply_to(message),
        ).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any backend error is a failed attempt
        raise DeliveryError(f"email: {type(exc).__name__}: {exc}") from exc
    return Sent()


def _check(target: str) -> str:
    try:
        validate_email(target)
    except ValidationError:
        return "Enter a valid email address."
    return ""


PROVIDERS = (
    Provider(
        kind=KIND,
        label="Email (Django email backend)",
        position=60,
        target_help="an email address",
        send=_send,
        check=_check,
    ),
)
