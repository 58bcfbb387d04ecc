"""Writes of the audit log: the only code that appends to the hash chain.

`record_entry` runs inside the caller's transaction and locks the single chain-head
row (`select_for_update`), so concurrent writers append one after the other and the
chain never forks. The price: audited writes serialise on that row until their
transaction commits — fine for the write rate of an incident portal.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.actors import Actor
from portal.audit.choices import AuditAction
from portal.audit.hashing import entry_hash, json_safe
from portal.audit.models import AuditChainHead, AuditEntry, LoginAttempt

HEAD_PK = 1


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is None:  # normally created by the migration; kept for --no-migrations databases
        # Another writer may create it first; either way it exists afterwards.
        with contextlib.suppress(IntegrityError), transaction.atomic():
            AuditChainHead.objects.create(pk=HEAD_PK)
        head = AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)
    return head


@transaction.atomic
def record_entry(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain. `action` is an AuditAction value."""
    AuditAction(action)
    head = _locked_head()
    fields: dict[str, Any] = {
        "seq": head.last_seq + 1,
        "at": at or timezone.now(),
        "actor_label": actor.label[:160],
        "actor_user_id": actor.user_id,
        "actor_token_id": actor.token_id,
        "action": action,
        "object_type": object_type[:100],
        "object_id": str(object_id)[:64],
        "object_repr": object_repr[:200],
        "before": json_safe(before),
        "after": json_safe(after),
        "prev_hash": head.last_hash,
    }
    fields["hash"] = entry_hash(fields)
    entry = AuditEntry.objects.create(**fields)
    AuditChainHead.objects.filter(pk=HEAD_PK).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


@transaction.atomic
def record_login_attempt(
    *, username: str, user: Any, succeeded: bool, ip_address: str | None, actor: Actor
) -> LoginAttempt:
    """A login (or a failed one): a LoginAttempt row and an audit entry."""
    attempt = LoginAttempt.objects.create(
        at=timezone.now(),
        username=username[:150],
        user_id=getattr(user, "pk", None),
        succeeded=succeeded,
        ip_address=ip_address or None,
    )
    record_entry(
        actor=actor,
        action=AuditAction.LOGIN if succeeded else AuditAction.LOGIN_FAILED,
        object_type="auth.user",
        object_id=getattr(user, "pk", "") or "",
        object_repr=username[:200],
        after={"ip_address": ip_address},
        at=attempt.at,
    )
    return attempt


def _founders() -> list[Any]:
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from portal.audit.roles import FOUNDERS

    return list(
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name=FOUNDERS), is_active=True)
        .distinct()
        .order_by("pk")
    )


def _security_severity() -> Any:
    """The level of a security incident: SECURITY_AUDIT_SEVERITY (a code) or the rank-2 level."""
    from django.conf import settings

    from incidents.exceptions import DomainError
    from incidents.selectors import active_policy_version

    try:
        version = active_policy_version()
    except DomainError:  # no policy in force: the findings and notifications still stand
        return None
    levels = list(version.levels.order_by("rank"))
    wanted = getattr(settings, "SECURITY_AUDIT_SEVERITY", "")
    chosen = next((lv for lv in levels if lv.code == wanted), None) if wanted else None
    return chosen or next((lv for lv in levels if lv.rank == 2), levels[0] if levels else None)


@transaction.atomic
def record_security_audit(*, week_start: datetime.date, actor: Actor) -> list[Any]:
    """Record the week's anomalies as findings, notify the founders of new ones, and open
    one incident (detection source security_audit) when a new finding is severe.

    Idempotent per week: findings are unique per (week, fingerprint), notifications are
    deduplicated by key, and the incident is opened once per week. Two runs at once
    serialise on the audit chain head.
    """
    from portal.audit.anomalies import find_anomalies
    from portal.audit.choices import FindingSeverity
    from portal.audit.models import SecurityFinding

    _locked_head()
    known = set(
        SecurityFinding.objects.filter(week_start=week_start).values_list("fingerprint", flat=True)
    )
    now = timezone.now()
    new = [
        SecurityFinding.objects.create(
            week_start=week_start,
            kind=a.kind,
            severity=a.severity,
            fingerprint=a.fingerprint[:200],
            summary=a.summary[:300],
            data=json_safe(a.data),
            created_at=now,
        )
        for a in find_anomalies(week_start)
        if a.fingerprint[:200] not in known
    ]
    if not new:
        return []
    severe = [f for f in new if f.severity == FindingSeverity.SEVERE]
    incident = None
    if severe:
        incident = _security_incident(week_start, severe, actor)
        SecurityFinding.objects.filter(pk__in=[f.pk for f in severe]).update(incident=incident)
    _notify_founders(week_start, new, incident)
    return new


def _security_incident(week_start: datetime.date, severe: list[Any], actor: Actor) -> Any:
    from incidents.services import declare_incident
    from portal.audit.models import SecurityFinding

    existing = (
        SecurityFinding.objects.filter(week_start=week_start, incident__isnull=False)
        .select_related("incident")
        .first()
    )
    if existing is not None:
        return existing.incident
    level = _security_severity()
    if level is None:
        return None
    lines = "\n".join(f"- {f.summary}" for f in severe)
    return declare_incident(
        actor=actor,
        title=f"Security audit: {len(severe)} severe finding(s), week of {week_start}",
        severity=level.code,
        summary=f"The weekly security audit flagged:\n{lines}",
        detection_source="security_audit",
        customer_facing=False,
    )


def _notify_founders(week_start: datetime.date, findings: list[Any], incident: Any) -> None:
    try:
        from portal.notifications.services import enqueue_notification
    except ImportError:  # the outbox is another app; without it, findings stay in the admin
        return
    body = "\n".join(f"[{f.severity}] {f.summary}" for f in findings)
    if incident is not None:
        body += f"\n\nIncident opened: {incident.ref}"
    for founder in _founders():
        enqueue_notification(
            kind="security_audit",
            subject=f"Security audit, week of {week_start}: {len(findings)} new finding(s)",
            body=body,
            dedupe_key=f"security-audit:{week_start}:{founder.pk}:{findings[0].fingerprint}"[:255],
            incident=incident,
            recipient_user=founder,
            data={"findings": [f.pk for f in findings]},
        )
