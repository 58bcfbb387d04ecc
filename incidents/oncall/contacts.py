"""A person's contact methods and notification rules: the writes every door calls.

A method is added unverified; a 6-digit code goes to it through its own provider (the
SMS to the phone, the e-mail to the address…) and is entered back (GoAlert's way), so a
page never goes to a number nobody proved they hold. A person manages their own;
founders manage anyone's. Every write is audited with the actor; codes are stored
hashed, expire after `CODE_TTL` and allow `MAX_ATTEMPTS` tries.
"""

from __future__ import annotations

import datetime
import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents.oncall.choices import CONTACT_PROVIDERS, ContactKind
from incidents.oncall.models import ContactMethod, NotificationRule
from incidents.oncall.personal import describe, plans_for
from portal.audit.choices import AuditAction
from portal.audit.roles import FOUNDERS
from portal.audit.services import record_action
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.choices import Audience, OutboxStatus
from portal.notifications.models import OutboxMessage
from portal.notifications.providers import provider_for
from portal.notifications.services import deliver_after_commit

CODE_TTL = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_DELAY_MINUTES = 120
PHONE = re.compile(r"^\+[1-9][0-9]{7,14}$")
PUSHOVER_KEY = re.compile(r"^[A-Za-z0-9]{30}$")
NTFY_TOPIC = re.compile(r"^https?://[^/\s]+/[A-Za-z0-9_-]{1,64}$")
# A Slack member ID (profile → ⋮ → "Copy member ID"): U… or, on Enterprise Grid, W….
SLACK_MEMBER = re.compile(r"^[UW][A-Z0-9]{6,20}$")
LINK_SALT = "oncall.contact-verify"


def may_manage(actor: Actor, user: Any) -> bool:
    """A person manages their own methods; founders (superusers, Founders) anyone's."""
    acting = actor.user
    if acting is None:
        return actor.token_id is None  # the system (CLI, presets) may; a bare token may not
    if acting.pk == user.pk or acting.is_superuser:
        return True
    return acting.groups.filter(name=FOUNDERS).exists()


def _require(actor: Actor, user: Any) -> None:
    if not may_manage(actor, user):
        raise DomainError(
            "You may manage only your own contact methods.", field="user", code="forbidden"
        )


def normalise_address(kind: str, address: str) -> str:
    """The address as stored, or DomainError naming `address`."""
    address = (address or "").strip()
    if kind in (ContactKind.SMS, ContactKind.VOICE):
        compact = re.sub(r"[\s().-]", "", address)
        if not PHONE.match(compact):
            raise DomainError(
                "Give the number in international form, e.g. +15551230001.", field="address"
            )
        return compact
    if kind == ContactKind.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            raise DomainError("Enter a valid e-mail address.", field="address") from None
        return address.lower()
    if kind == ContactKind.NTFY:
        if not NTFY_TOPIC.match(address):
            raise DomainError(
                "Give the topic URL, e.g. https://ntfy.sh/ana-pages.", field="address"
            )
        return address
    if kind == ContactKind.PUSHOVER:
        if not PUSHOVER_KEY.match(address):
            raise DomainError("A Pushover user key is 30 letters and digits.", field="address")
        return address
    if kind == ContactKind.SLACK_DM:
        if not SLACK_MEMBER.match(address.upper()):
            raise DomainError(
                "Give your Slack member ID, e.g. U012AB3CD (Slack: your profile → ⋮ → "
                "Copy member ID).",
                field="address",
            )
        return address.upper()
    if kind == ContactKind.TEAMS:
        provider = provider_for(CONTACT_PROVIDERS[kind])
        problem = provider.check(address) if provider is not None else "Teams is not available."
        if problem:
            raise DomainError(problem, field="address")
        return address
    raise DomainError(f"Unknown kind; use one of {', '.join(ContactKind.values)}.", field="kind")


def _outbox_message(
    method: ContactMethod,
    *,
    kind: str,
    subject: str,
    body: str,
    data: dict[str, Any] | None = None,
) -> OutboxMessage:
    now = timezone.now()
    return OutboxMessage.objects.create(
        kind=kind,
        recipient=method.address,
        recipient_user=method.user,
        provider_kind=CONTACT_PROVIDERS[method.kind],
        audience=Audience.INTERNAL,
        destination=f"contact:{method.pk}",
        dedupe_key=f"{kind}:{method.pk}:{secrets.token_hex(6)}",
        subject=subject,
        body=body,
        data={"user": method.user.get_username(), "contact_method": method.pk, **(data or {})},
        status=OutboxStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )


def verify_link(method: ContactMethod) -> str:
    """The link in a verification message: signed, bound to the code it came with (a
    resent code replaces it) and expiring with it."""
    sent = method.code_sent_at.isoformat() if method.code_sent_at else None
    token = signing.dumps({"m": method.pk, "t": sent}, salt=LINK_SALT, compress=True)
    return settings.PORTAL_BASE_URL + reverse("oncall:verify-contact", args=[token])


# Messages that can carry a link as well as the code (a text message stays short).
LINK_IN_BODY = {ContactKind.EMAIL, ContactKind.NTFY, ContactKind.PUSHOVER}


def _send_code(method: ContactMethod) -> str:
    code = f"{secrets.randbelow(1_000_000):06d}"
    method.code_hash = make_password(code)
    method.code_sent_at = timezone.now()
    method.code_attempts = 0
    method.save(update_fields=["code_hash", "code_sent_at", "code_attempts"])
    link = verify_link(method)
    body = f"Your {settings.PORTAL_NAME} verification code is {code}. It expires in 10 minutes."
    if method.kind in LINK_IN_BODY:
        body += f"\nOr confirm it is yours with this link: {link}"
    message = _outbox_message(
        method,
        kind="verification",
        subject=f"{settings.PORTAL_NAME} code {code}",
        body=body,
        data={"verify_url": link},
    )
    deliver_after_commit([message.pk])
    return code


@transaction.atomic
def add_contact_method(
    *, actor: Actor, user: Any, kind: str, address: str, label: str = ""
) -> ContactMethod:
    """Add an unverified method and send its verification code to it."""
    _require(actor, user)
    if kind not in ContactKind.values:
        raise DomainError(
            f"Unknown kind; use one of {', '.join(ContactKind.values)}.", field="kind"
        )
    address = normalise_address(kind, address)
    if ContactMethod.objects.filter(user=user, kind=kind, address=address).exists():
        raise DomainError("This method exists already.", field="address")
    if len(label) > 60:
        raise DomainError("At most 60 characters.", field="label")
    method = ContactMethod.objects.create(
        user=user, kind=kind, address=address, label=label.strip()
    )
    record_action(
        actor,
        AuditAction.CREATE,
        method,
        before=None,
        after={"user": user.get_username(), "kind": kind, "address": method.masked_address()},
    )
    _send_code(method)
    return method


def _locked(method: ContactMethod) -> ContactMethod:
    return (
        ContactMethod.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=method.pk)
    )


@transaction.atomic
def resend_code(*, actor: Actor, method: ContactMethod) -> None:
    _require(actor, method.user)
    method = _locked(method)
    if method.verified_at is not None:
        raise DomainError("This method is verified already.", field="code")
    _send_code(method)
    record_action(actor, AuditAction.UPDATE, method, before=None, after={"code": "(resent)"})


def verify_contact_method(*, actor: Actor, method: ContactMethod, code: str) -> ContactMethod:
    """Check the code entered back; DomainError on `code` (wrong, expired, too many tries).
    A wrong try is counted (committed) before the error is raised."""
    _require(actor, method.user)
    with transaction.atomic():
        method = _locked(method)
        if method.verified_at is not None:
            return method
        if not method.code_hash or method.code_sent_at is None:
            raise DomainError("No code was sent to this method; send one first.", field="code")
        if timezone.now() - method.code_sent_at > CODE_TTL:
            raise DomainError("The code expired; send a new one.", field="code")
        if method.code_attempts >= MAX_ATTEMPTS:
            raise DomainError("Too many wrong codes; send a new one.", field="code")
        right = check_password((code or "").strip(), method.code_hash)
        if right:
            method.verified_at = timezone.now()
            method.code_hash, method.code_attempts = "", 0
            method.save(update_fields=["verified_at", "code_hash", "code_attempts"])
            record_action(
                actor,
                AuditAction.UPDATE,
                method,
                before={"verified": False},
                after={"verified": True},
            )
        else:
            method.code_attempts += 1
            method.save(update_fields=["code_attempts"])
    if not right:
        raise DomainError(
            f"Wrong code; {MAX_ATTEMPTS - method.code_attempts} tries left.", field="code"
        )
    return method


def method_for_link(token: str) -> ContactMethod:
    """The method a verification link names, or DomainError (`token`) saying why not:
    tampered, replaced by a newer code, or expired (a verified method says so instead)."""
    try:
        data = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        raise DomainError("This link is not valid.", field="token", code="not_found") from None
    method = ContactMethod.objects.select_related("user").filter(pk=data.get("m")).first()
    if method is None:
        raise DomainError("This contact method was removed.", field="token", code="not_found")
    if method.verified_at is not None:
        return method
    sent = method.code_sent_at.isoformat() if method.code_sent_at else None
    if sent != data.get("t"):
        raise DomainError(
            "A newer message replaced this link: use the link or code in the latest one.",
            field="token",
        )
    try:
        signing.loads(token, salt=LINK_SALT, max_age=CODE_TTL)
    except signing.SignatureExpired:
        raise DomainError(
            "This link expired (links last 10 minutes); send a new code from My contact methods.",
            field="token",
        ) from None
    return method


def verify_by_link(token: str) -> tuple[ContactMethod, bool]:
    """Follow a verification link: whoever holds the message proved the method, so the
    audit names the method's person. Returns (method, whether it was verified just now)."""
    method = method_for_link(token)
    with transaction.atomic():
        method = _locked(method)
        if method.verified_at is not None:
            return method, False
        method_for_link(token)  # under the lock: a code resent meanwhile wins
        method.verified_at = timezone.now()
        method.code_hash, method.code_attempts = "", 0
        method.save(update_fields=["verified_at", "code_hash", "code_attempts"])
        record_action(
            Actor.for_user(method.user),
            AuditAction.UPDATE,
            method,
            before={"verified": False},
            after={"verified": True, "by": "link"},
        )
    return method, True


@transaction.atomic
def set_contact_method_enabled(
    *, actor: Actor, method: ContactMethod, enabled: bool
) -> ContactMethod:
    _require(actor, method.user)
    method = _locked(method)
    if method.enabled != enabled:
        before = {"enabled": method.enabled}
        method.enabled = enabled
        method.save(update_fields=["enabled"])
        record_action(actor, AuditAction.UPDATE, method, before=before, after={"enabled": enabled})
    return method


@transaction.atomic
def remove_contact_method(*, actor: Actor, method: ContactMethod) -> None:
    """Remove it and its rules (pages already scheduled on it say it was removed)."""
    _require(actor, method.user)
    method = _locked(method)
    record_action(
        actor,
        AuditAction.DELETE,
        method,
        before={"kind": method.kind, "address": method.masked_address()},
        after=None,
    )
    method.delete()


@transaction.atomic
def send_test_page(*, actor: Actor, method: ContactMethod) -> OutboxMessage:
    """A test page through the real provider path; refused before verification."""
    _require(actor, method.user)
    if not method.usable:
        raise DomainError(
            "Verify (and enable) this method before sending a test page to it.",
            field="contact_method",
        )
    message = _outbox_message(
        method,
        kind="test_page",
        subject=f"TEST PAGE for {method.user.get_username()}",
        body=(
            f"{method.user.get_username()}, this is a test page from {settings.PORTAL_NAME} "
            f"({actor.label}). If it reached you, paging works. Nothing to acknowledge."
        ),
    )
    record_action(actor, AuditAction.UPDATE, method, before=None, after={"test_page": message.pk})
    deliver_after_commit([message.pk])
    return message


@transaction.atomic
def set_notification_rules(
    *, actor: Actor, user: Any, rules: list[tuple[ContactMethod, int]]
) -> list[NotificationRule]:
    """Replace the person's rules: which of their methods, how many minutes after a page."""
    _require(actor, user)
    seen: set[tuple[int, int]] = set()
    for method, minutes in rules:
        if method.user_id != user.pk:
            raise DomainError("A rule may use only the person's own methods.", field="rules")
        if not 0 <= int(minutes) <= MAX_DELAY_MINUTES:
            raise DomainError(f"Minutes must be 0 to {MAX_DELAY_MINUTES}.", field="rules")
        if (method.pk, int(minutes)) in seen:
            raise DomainError("The same method twice at the same minute.", field="rules")
        seen.add((method.pk, int(minutes)))
    before = [
        f"{r.contact_method_id}@{r.delay_minutes}"
        for r in NotificationRule.objects.filter(user=user).order_by("delay_minutes", "pk")
    ]
    NotificationRule.objects.filter(user=user).delete()
    created = NotificationRule.objects.bulk_create(
        [NotificationRule(user=user, contact_method=m, delay_minutes=int(d)) for m, d in rules]
    )
    record_action(
        actor,
        AuditAction.UPDATE,
        user,
        before={"notification_rules": before},
        after={"notification_rules": [f"{m.pk}@{int(d)}" for m, d in rules]},
    )
    return created


def how_pages_reach(user: Any) -> str:
    """In words, how a page to `user` goes out now (their effective rules)."""
    return describe(plans_for([user])[user.pk])
