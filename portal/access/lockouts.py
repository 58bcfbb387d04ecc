"""Login lockouts (django-axes): audited and notified to the founders at once.

Axes counts failed logins per username and per client address; past
AXES_FAILURE_LIMIT it refuses that username or address, even with the right
password, until a founder unlocks it in the admin (or the optional cool-off ends).
Each lockout and each unlock is written to the audit log, and each lockout is sent
to every founder through the notifications outbox: once per locked address or username
per LOGIN_LOCKOUT_NOTICE_MINUTES, because a flood from one address with a new username
per attempt is one attack, not thirty pieces of news for the founders.
"""

from __future__ import annotations

import datetime
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.audit.choices import AuditAction
from portal.audit.models import AuditEntry
from portal.audit.roles import active_founders
from portal.audit.services import record_entry
from portal.kernel.actors import Actor


class RequestLockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check for web logins; `authenticate()` without a request passes through.

    Only a request can come from an attacker; code that authenticates without one
    (Django's test client, scripts) is not a login form and is not counted.
    """

    def authenticate(
        self, request: Any, username: Any = None, password: Any = None, **kwargs: Any
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@transaction.atomic
def record_lockout(*, username: str, ip_address: str) -> None:
    """Audit one lockout and tell every founder now (outbox; delivered after commit)."""
    from portal.notifications.services import enqueue_notification

    now = timezone.now()
    who = username or "(no username)"
    if _already_told(username=username, ip_address=ip_address, now=now):
        return
    record_entry(
        actor=Actor.system("login throttle"),
        action=AuditAction.CREATE,
        object_type="axes.lockout",
        object_id=who[:64],
        object_repr=f"Login locked: {who} from {ip_address}"[:200],
        after={"username": username, "ip_address": ip_address, "locked_at": now.isoformat()},
    )
    for founder in active_founders():
        enqueue_notification(
            kind="login_lockout",
            subject=f"Login locked out: {who} from {ip_address}",
            body=(
                f"Too many failed logins for {who} from {ip_address} at {now:%Y-%m-%d %H:%M} UTC. "
                "Logins for that user and address are refused until a founder unlocks them "
                "(admin → Access attempts → Unlock)."
            ),
            dedupe_key=f"login-lockout:{who}:{ip_address}:{now:%Y%m%d%H%M}:{founder.pk}"[:255],
            recipient_user=founder,
            data={"username": username, "ip_address": ip_address},
        )


def _already_told(*, username: str, ip_address: str, now: Any) -> bool:
    """A lockout of this address or username was announced within the interval and no
    founder has unlocked it since (a lock after an unlock is news again)."""
    since = now - datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_NOTICE_MINUTES)
    locked, unlocked = Q(), Q()
    if ip_address:
        locked |= Q(after__ip_address=ip_address)
        unlocked |= Q(before__ip_address=ip_address)
    if username:
        locked |= Q(after__username=username)
        unlocked |= Q(before__username=username)
    if not locked:
        return False
    entries = AuditEntry.objects.filter(object_type="axes.lockout", at__gte=since)
    last_told = (
        entries.filter(locked, action=AuditAction.CREATE).order_by("-id").values("id").first()
    )
    if last_told is None:
        return False
    return not entries.filter(unlocked, action=AuditAction.DELETE, id__gt=last_told["id"]).exists()


@transaction.atomic
def unlock_logins(*, attempts: Any, actor: Actor) -> int:
    """Clear the failed-login records (usernames/addresses) so they may log in again; audited."""
    rows = list(
        AccessAttempt.objects.select_for_update()
        .filter(pk__in=[a.pk for a in attempts])
        .order_by("pk")
    )
    for attempt in rows:
        record_entry(
            actor=actor,
            action=AuditAction.DELETE,
            object_type="axes.lockout",
            object_id=(attempt.username or "")[:64],
            object_repr=f"Login unlocked: {attempt.username} from {attempt.ip_address}"[:200],
            before={
                "username": attempt.username,
                "ip_address": attempt.ip_address,
                "failures": attempt.failures_since_start,
            },
        )
    # Every record of those usernames and addresses goes: a lock per user and a lock
    # per address are separate rows, and unlocking a person means both.
    usernames = {a.username for a in rows if a.username}
    addresses = {a.ip_address for a in rows if a.ip_address}
    deleted, _ = AccessAttempt.objects.filter(
        Q(pk__in=[a.pk for a in rows]) | Q(username__in=usernames) | Q(ip_address__in=addresses)
    ).delete()
    return deleted


def on_user_locked_out(
    sender: Any, request: Any = None, username: Any = None, ip_address: Any = None, **_: Any
) -> None:
    record_lockout(username=str(username or ""), ip_address=str(ip_address or ""))
