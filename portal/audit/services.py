"""Writes of the audit log. Services call these explicitly, with the actor they were given.

`record_entry` inserts one unsealed entry inside the caller's transaction: one INSERT,
no lock on anything shared, so audited writes to different objects never wait on each
other. After the transaction commits, the sealer links the new entries into the hash
chain (`portal.audit.sealing`); if that is missed (a crash between commit and seal),
the engine's periodic seal picks them up within seconds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from portal.actors import Actor
from portal.audit.choices import AuditAction
from portal.audit.hashing import json_safe
from portal.audit.models import AuditEntry, LoginAttempt
from portal.audit.sealing import locked_head, seal_after_commit
from portal.audit.snapshots import redact, snapshot


def _entry(
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
    AuditAction(action)
    return AuditEntry(
        at=at or timezone.now(),
        actor_label=actor.label[:160],
        actor_user_id=actor.user_id,
        actor_token_id=actor.token_id,
        action=action,
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        object_repr=str(object_repr)[:200],
        before=json_safe(before),
        after=json_safe(after),
    )


def _seal_after_commit() -> None:
    """Ask for one seal when the current transaction commits (once per transaction)."""
    # Each pending callback is (savepoint ids, func, robust).
    if not any(pending[1] is seal_after_commit for pending in connection.run_on_commit):
        transaction.on_commit(seal_after_commit, robust=True)


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
    """Append one entry (unsealed) in the caller's transaction. `action` is an AuditAction."""
    entry = _entry(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        before=before,
        after=after,
        at=at,
    )
    entry.save(force_insert=True)
    _seal_after_commit()
    return entry


def record_entries(entries: Sequence[AuditEntry]) -> list[AuditEntry]:
    """Append prepared entries (from `prepare_*`) in one INSERT."""
    if not entries:
        return []
    saved = AuditEntry.objects.bulk_create(entries)
    _seal_after_commit()
    return saved


def _label(obj: models.Model) -> str:
    return obj._meta.label_lower


def _repr(obj: models.Model) -> str:
    try:
        return str(obj)[:200]
    except Exception:  # a half-deleted object may not render; the id still says which
        return f"{obj._meta.model_name} {obj.pk}"


def prepare_created(
    actor: Actor,
    obj: models.Model,
    *,
    fields: Iterable[str] | None = None,
    at: datetime.datetime | None = None,
) -> AuditEntry:
    return _entry(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=_label(obj),
        object_id=obj.pk,
        object_repr=_repr(obj),
        after=snapshot(obj, None if fields is None else list(fields)),
        at=at,
    )


def prepare_changed(
    actor: Actor,
    obj: models.Model,
    *,
    before: dict[str, Any],
    after: dict[str, Any],
    at: datetime.datetime | None = None,
) -> AuditEntry:
    """An update entry with the given (already chosen) values, unsaved: for `record_entries`."""
    return _entry(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type=_label(obj),
        object_id=obj.pk,
        object_repr=_repr(obj),
        before=before,
        after=after,
        at=at,
    )


def record_created(
    actor: Actor,
    obj: models.Model,
    *,
    fields: Iterable[str] | None = None,
    at: datetime.datetime | None = None,
) -> AuditEntry:
    """A new row: its (redacted) field values as `after`."""
    return record_entries([prepare_created(actor, obj, fields=fields, at=at)])[0]


def record_changed(
    actor: Actor,
    obj: models.Model,
    before: dict[str, Any],
    *,
    at: datetime.datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """An update: `before` is `snapshot(obj, names)` taken before the change; only the
    fields whose value moved are written. Nothing is written when nothing moved."""
    after = snapshot(obj, list(before), redacted=False)
    changed = sorted(name for name in before if before[name] != after.get(name))
    if not changed and not extra:
        return None
    return record_entry(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type=_label(obj),
        object_id=obj.pk,
        object_repr=_repr(obj),
        before=redact({name: before[name] for name in changed}) | (extra or {}).get("before", {}),
        after=redact({name: after[name] for name in changed}) | (extra or {}).get("after", {}),
        at=at,
    )


def record_deleted(
    actor: Actor, obj: models.Model, *, at: datetime.datetime | None = None
) -> AuditEntry:
    return record_entry(
        actor=actor,
        action=AuditAction.DELETE,
        object_type=_label(obj),
        object_id=obj.pk,
        object_repr=_repr(obj),
        before=snapshot(obj),
        at=at,
    )


def record_row_changes(
    actor: Actor,
    model: type[models.Model],
    rows: Iterable[tuple[Any, str, dict[str, Any], dict[str, Any]]],
    *,
    at: datetime.datetime | None = None,
) -> list[AuditEntry]:
    """The audit entries of a `bulk_update`: rows are (pk, repr, before, after) snapshots;
    one entry per row whose values moved, with the moved fields only."""
    return record_entries(prepare_row_changes(actor, model, rows, at=at))


def prepare_row_changes(
    actor: Actor,
    model: type[models.Model],
    rows: Iterable[tuple[Any, str, dict[str, Any], dict[str, Any]]],
    *,
    at: datetime.datetime | None = None,
) -> list[AuditEntry]:
    """`record_row_changes`' entries, unsaved, to write with others in one INSERT."""
    entries = []
    for pk, text, before, after in rows:
        moved = sorted(name for name in before if before[name] != after.get(name))
        if not moved:
            continue
        entries.append(
            _entry(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type=model._meta.label_lower,
                object_id=pk,
                object_repr=text,
                before=redact({name: before[name] for name in moved}),
                after=redact({name: after[name] for name in moved}),
                at=at,
            )
        )
    return entries


def record_bulk_update(
    actor: Actor,
    model: type[models.Model],
    rows: Iterable[tuple[Any, str, dict[str, Any]]],
    after: dict[str, Any],
    *,
    at: datetime.datetime | None = None,
) -> list[AuditEntry]:
    """The audit entries of a `QuerySet.update(**after)`: one per changed row.

    `rows` are (pk, repr, before) read from the rows the update is about to change.
    """
    entries = [
        _entry(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=model._meta.label_lower,
            object_id=pk,
            object_repr=text,
            before=redact(before),
            after=redact(after),
            at=at,
        )
        for pk, text, before in rows
    ]
    return record_entries(entries)


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
    serialise on the audit chain head: a weekly job may delay sealing by a moment, and
    no business write waits on that row.
    """
    from portal.audit.anomalies import find_anomalies
    from portal.audit.choices import FindingSeverity
    from portal.audit.models import SecurityFinding

    locked_head()  # two runs at once: the second waits, then finds the findings made
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
