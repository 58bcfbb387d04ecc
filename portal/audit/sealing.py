"""The sealer: links committed, unsealed audit entries into the hash chain.

Writers insert entries with an empty `seq`; their relative order is the id sequence.
The sealer locks the chain head (the only code that does), reads the committed
unsealed entries in id order, gives each the next `seq`, its `prev_hash` and `hash`,
and moves the head: a transparency log's sequencer, in batches.

An entry whose transaction commits after a later id was sealed simply gets a later
`seq`: the chain's order is the order of sealing, which never changes afterwards.

It runs right after each audited transaction commits (`seal_after_commit`, outside
the business transaction, so a writer never holds a lock while it waits), and
periodically from the engine and the task schedule, which picks up anything a crash
between commit and seal left behind.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

from django.db import DatabaseError, IntegrityError, connection, transaction

from portal.audit.hashing import HASHED_FIELDS, entry_hash
from portal.audit.models import AuditChainHead, AuditEntry

logger = logging.getLogger(__name__)

BATCH = 500
HEAD_PK = 1

_deferred: ContextVar[bool] = ContextVar("audit_sealing_deferred", default=False)


@contextlib.contextmanager
def sealing_deferred() -> Iterator[None]:
    """No on-commit seal for the transactions inside: the caller seals once after them
    (`seal_pending`), as the engine does after opening a batch of incidents. Each seal
    locks the chain head and reads the unsealed entries; one per batch instead of one
    per transaction was 12 % of a declaration's CPU."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def is_deferred() -> bool:
    return _deferred.get()


def locked_head(*, skip_locked: bool = False) -> AuditChainHead | None:
    """The chain head, locked until the caller's transaction ends; with `skip_locked`,
    None when another sealer holds it."""
    head = (
        AuditChainHead.objects.select_for_update(skip_locked=skip_locked).filter(pk=HEAD_PK).first()
    )
    if head is None and skip_locked and AuditChainHead.objects.filter(pk=HEAD_PK).exists():
        return None
    if head is None:  # normally created by the migration; kept for --no-migrations databases
        # Another sealer may create it first; either way it exists afterwards.
        with contextlib.suppress(IntegrityError), transaction.atomic():
            AuditChainHead.objects.create(pk=HEAD_PK)
        head = AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)
    return head


def seal_pending(*, batch: int = BATCH, max_batches: int = 1000, if_free: bool = False) -> int:
    """Seal every committed unsealed entry; return how many were sealed.

    `if_free`: give up at once when another sealer holds the head (the on-commit seal
    of a request must not queue behind another's; that sealer, the next commit or the
    periodic seal links what is left)."""
    total = 0
    for _ in range(max_batches):
        sealed = _seal_batch(batch, if_free)
        if sealed is None:
            break
        total += sealed
        if sealed < batch:
            break
    return total


@transaction.atomic
def _seal_batch(batch: int, if_free: bool) -> int | None:
    head = locked_head(skip_locked=if_free)
    if head is None:
        return None
    pending = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:batch])
    if not pending:
        return 0
    seq, prev = head.last_seq, head.last_hash
    for entry in pending:
        seq += 1
        entry.seq = seq
        entry.prev_hash = prev
        entry.hash = entry_hash({name: getattr(entry, name) for name in HASHED_FIELDS})
        prev = entry.hash
    _write_seals(pending)
    AuditChainHead.objects.filter(pk=head.pk).update(last_seq=seq, last_hash=prev)
    return len(pending)


def _write_seals(entries: list[AuditEntry]) -> None:
    """One UPDATE per entry, sent as a batch (psycopg pipelines `executemany`): the same
    rows as `bulk_update` without the CASE expressions it builds field by field, which
    cost more CPU than the sealing itself, on every commit of an audited request."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",  # noqa: S608 - our table name
            [(e.seq, e.prev_hash, e.hash, e.pk) for e in entries],
        )


def seal_after_commit() -> None:
    """The on-commit seal. A failure here loses nothing: the periodic seal retries."""
    try:
        seal_pending(if_free=True)
    except DatabaseError:
        logger.warning("audit: sealing after commit failed; the periodic seal will retry")


def seal_pending_task() -> int:
    """django-q2 entry point of the periodic seal."""
    return seal_pending()
