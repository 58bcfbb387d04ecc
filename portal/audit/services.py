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

from portal.audit.choices import AuditAction
from portal.audit.hashing import json_safe
from portal.audit.models import AuditEntry, LoginAttempt
from portal.audit.sealing import is_deferred, seal_after_commit
from portal.audit.snapshots import redact, snapshot
from portal.kernel.actors import Actor


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
    if is_deferred():  # the caller seals after its batch
        return
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


def record_action(
    actor: Actor,
    action: str,
    obj: models.Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> AuditEntry:
    """`record_entry` for one model row: its type, id and text are read from `obj`."""
    entry = _row_entry(actor, action, obj, before=before, after=after, at=at)
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


def _row_entry(
    actor: Actor,
    action: str,
    obj: models.Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> AuditEntry:
    """An unsaved entry about one model row (type, id and text read from it)."""
    return _entry(
        actor=actor,
        action=action,
        object_type=_label(obj),
        object_id=obj.pk,
        object_repr=_repr(obj),
        before=before,
        after=after,
        at=at,
    )


def prepare_created(
    actor: Actor,
    obj: models.Model,
    *,
    fields: Iterable[str] | None = None,
    at: datetime.datetime | None = None,
) -> AuditEntry:
    return _row_entry(
        actor,
        AuditAction.CREATE,
        obj,
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
    return _row_entry(actor, AuditAction.UPDATE, obj, before=before, after=after, at=at)


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
    return record_action(
        actor,
        AuditAction.UPDATE,
        obj,
        before=redact({name: before[name] for name in changed}) | (extra or {}).get("before", {}),
        after=redact({name: after[name] for name in changed}) | (extra or {}).get("after", {}),
        at=at,
    )


def record_deleted(
    actor: Actor, obj: models.Model, *, at: datetime.datetime | None = None
) -> AuditEntry:
    return record_action(actor, AuditAction.DELETE, obj, before=snapshot(obj), at=at)


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
