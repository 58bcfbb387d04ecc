"""Adding a responder (issue 15): a staff user in the Responders group, invited by email.

The admin's "Add responder" calls `add_responder`; the person is offered in every
role picker at once (no "Staff status" box to find first). Someone who already has an
account (made under Users → Add, or by a command) is made one by `make_responder`,
which the role picker and a refused "Add responder" both offer (issue 25).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.audit.choices import AuditAction
from portal.audit.roles import RESPONDERS
from portal.audit.scope import audited_service
from portal.audit.services import record_action
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

# Backends that deliver nothing to a person: the invitation link is shown instead.
UNDELIVERED_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


@dataclass(frozen=True)
class NewResponder:
    user: Any
    invitation_url: str
    invited: bool  # True: the link was emailed (after commit)


def email_configured() -> bool:
    return settings.EMAIL_BACKEND not in UNDELIVERED_BACKENDS


def invitation_url(user: Any) -> str:
    """A one-time link to set a password (Django's password-reset token)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", args=[uid, token])
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


@audited_service
def add_responder(
    *, actor: Actor, username: str, email: str = "", first_name: str = "", last_name: str = ""
) -> NewResponder:
    """Create an active staff user in Responders with no usable password yet.

    Raises DomainError on `username` (empty or taken) or `email`.
    """
    User = get_user_model()
    username = (username or "").strip()
    email = (email or "").strip().lower()
    if not username:
        raise DomainError("A username is required.", field="username")
    if User.objects.filter(username__iexact=username).exists():
        if not_yet_responders().filter(username__iexact=username).exists():
            # Made elsewhere (Users → Add): the way forward is `make_responder` (issue 25).
            raise DomainError(
                f"{username!r} already exists but is not a responder: make that account one.",
                field="username",
                code="exists",
            )
        raise DomainError(f"{username!r} already exists.", field="username")
    if email:
        try:
            validate_email(email)
        except Exception:  # noqa: BLE001 - any validation failure is the same answer
            raise DomainError("Enter a valid email address.", field="email") from None
    user = User(
        username=username,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        is_staff=True,
        is_active=True,
    )
    user.set_unusable_password()
    user.save()
    group, _ = Group.objects.get_or_create(name=RESPONDERS)
    user.groups.add(group)
    record_action(
        actor,
        AuditAction.CREATE,
        user,
        before=None,
        after={"username": username, "email": email, "is_staff": True, "groups": [RESPONDERS]},
    )
    url = invitation_url(user)
    invited = bool(email) and email_configured()
    if invited:
        name = settings.PORTAL_NAME
        subject = f"You are a responder on {name}"
        body = (
            f"{actor.label} added you as a responder.\n\n"
            f"Set your password and sign in: {url}\n\nThe link works once."
        )
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        )
    return NewResponder(user=user, invitation_url=url, invited=invited)


@audited_service
def make_responder(*, actor: Actor, user: Any) -> Any:
    """Make an existing active account a responder: staff, in Responders, so that every
    role picker offers it. Its password and other groups are left as they are; a user
    who already is one is left unchanged. Raises DomainError on `user` (inactive)."""
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise DomainError(
            f"{user.get_username()!r} is deactivated: reactivate the account first.",
            field="user",
        )
    group, _ = Group.objects.get_or_create(name=RESPONDERS)
    in_group = user.groups.filter(pk=group.pk).exists()
    if user.is_staff and in_group:
        return user
    before = {
        "is_staff": user.is_staff,
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if not in_group:
        user.groups.add(group)
    record_action(
        actor,
        AuditAction.GRANT,
        user,
        before=before,
        after={"is_staff": True, "groups": sorted(user.groups.values_list("name", flat=True))},
    )
    return user


def not_yet_responders() -> Any:
    """Active accounts no role picker offers yet (made elsewhere): `make_responder`'s choices."""
    from django.db.models import Q

    from portal.audit.roles import FOUNDERS

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(Q(is_staff=True) | Q(groups__name__in=(RESPONDERS, FOUNDERS)))
        .order_by("username")
    )


def find_user(username: str, *, field: str = "user") -> Any:
    """The active user named `username`, or a DomainError naming `field`."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError(f"No active user named {username!r}.", field=field)
    return user
