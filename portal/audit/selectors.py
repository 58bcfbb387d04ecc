"""Reads of the audit log: verification of the chain, entry lists."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from portal.audit.hashing import HASHED_FIELDS, entry_hash
from portal.audit.models import AuditChainHead, AuditEntry


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int | None
    seq: int
    at: datetime.datetime | None
    reason: str

    def describe(self) -> str:
        when = f"{self.at:%Y-%m-%d %H:%M:%S}Z" if self.at else "?"
        return f"entry id={self.entry_id} (seq {self.seq}, at {when}): {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the chain in order; report the first entry whose hash or link does not hold."""
    prev_hash = ""
    expected_seq = 1
    checked = 0
    rows = AuditEntry.objects.order_by("seq").values("id", "hash", *HASHED_FIELDS)
    for row in rows.iterator(chunk_size=chunk_size):
        checked += 1
        if row["seq"] != expected_seq:
            return ChainReport(
                checked,
                ChainBreak(
                    row["id"], row["seq"], row["at"], f"entry seq {expected_seq} is missing"
                ),
            )
        if row["prev_hash"] != prev_hash:
            return ChainReport(
                checked,
                ChainBreak(row["id"], row["seq"], row["at"], "does not link to the previous entry"),
            )
        if entry_hash(row) != row["hash"]:
            return ChainReport(
                checked,
                ChainBreak(row["id"], row["seq"], row["at"], "content does not match its hash"),
            )
        prev_hash = row["hash"]
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq, head.last_hash) != (expected_seq - 1, prev_hash):
        return ChainReport(
            checked,
            ChainBreak(
                None, head.last_seq, None, "the latest entries were removed (head mismatch)"
            ),
        )
    return ChainReport(checked, None)


def audit_entries(
    *, start: datetime.datetime | None = None, end: datetime.datetime | None = None
) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if start is not None:
        qs = qs.filter(at__gte=start)
    if end is not None:
        qs = qs.filter(at__lt=end)
    return qs.order_by("seq")


def entries_for(obj: Any) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("seq")
