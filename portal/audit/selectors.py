"""Reads of the audit log: verification of the chain, entry lists."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from portal.audit.choices import FindingSeverity
from portal.audit.hashing import HASHED_FIELDS, entry_hash
from portal.audit.models import AuditChainHead, AuditEntry, SecurityFinding


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
    pending: int = 0
    head_hash: str = ""

    @property
    def ok(self) -> bool:
        return self.first_break is None

    @property
    def head(self) -> str:
        """`COUNT:HASH` of the sealed chain: keep it outside the database."""
        return f"{self.checked}:{self.head_hash}"


def parse_head(text: str) -> tuple[int, str]:
    """`COUNT:HASH` as printed by `audit verify`; ValueError naming what is wrong."""
    count, sep, digest = text.strip().partition(":")
    if not sep or not count.isdigit() or len(digest) != 64:
        raise ValueError(f"expected COUNT:HASH (a number, a colon, 64 hex digits), got {text!r}")
    try:
        int(digest, 16)
    except ValueError:
        raise ValueError(f"the hash is not hexadecimal: {digest!r}") from None
    return int(count), digest.lower()


def verify_chain(*, expect: tuple[int, str] | None = None, chunk_size: int = 5000) -> ChainReport:
    """Walk the sealed chain in order; report the first entry whose hash or link does not hold.

    `expect` is a head kept earlier (count, hash): the chain must still hold that entry at
    that position, which detects a cut tail even when the head row was rewritten.
    """
    prev_hash = ""
    expected_seq = 1
    checked = 0
    kept_hash = None
    names = ("id", "hash", *HASHED_FIELDS)
    rows = AuditEntry.objects.filter(seq__isnull=False).order_by("seq").values_list(*names)
    for values in rows.iterator(chunk_size=chunk_size):
        row = dict(zip(names, values, strict=True))
        checked += 1
        where = (row["id"], row["seq"], row["at"])
        if row["seq"] != expected_seq:
            return _broken(checked, *where, f"entry seq {expected_seq} is missing")
        if row["prev_hash"] != prev_hash:
            return _broken(checked, *where, "does not link to the previous entry")
        if entry_hash(row) != row["hash"]:
            return _broken(checked, *where, "content does not match its hash")
        prev_hash = row["hash"]
        if expect is not None and expected_seq == expect[0]:
            kept_hash = row["hash"]
        expected_seq += 1
    pending = AuditEntry.objects.filter(seq__isnull=True).count()
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq, head.last_hash) != (expected_seq - 1, prev_hash):
        return ChainReport(
            checked,
            ChainBreak(
                None, head.last_seq, None, "the latest entries were removed (head mismatch)"
            ),
            pending,
            prev_hash,
        )
    if expect is not None and (expect[0] > 0 or checked) and kept_hash != expect[1]:
        reason = (
            f"the chain ends at {checked} entries, before the kept head {expect[0]}: its tail was cut"
            if checked < expect[0]
            else f"entry {expect[0]} differs from the kept head: the chain was rewritten"
        )
        return ChainReport(checked, ChainBreak(None, expect[0], None, reason), pending, prev_hash)
    return ChainReport(checked, None, pending, prev_hash)


def _broken(
    checked: int, entry_id: int, seq: int, at: datetime.datetime, reason: str
) -> ChainReport:
    return ChainReport(checked, ChainBreak(entry_id, seq, at, reason))


def audit_entries(
    *, start: datetime.datetime | None = None, end: datetime.datetime | None = None
) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if start is not None:
        qs = qs.filter(at__gte=start)
    if end is not None:
        qs = qs.filter(at__lt=end)
    return qs.order_by("id")


def entries_for(obj: Any) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")


def severe_findings_without_incident(week_start: datetime.date) -> list[SecurityFinding]:
    """The week's severe findings no incident was opened for yet."""
    return list(
        SecurityFinding.objects.filter(
            week_start=week_start, severity=FindingSeverity.SEVERE, incident__isnull=True
        ).order_by("pk")
    )


def security_incident_of_week(week_start: datetime.date) -> Any:
    """The incident already opened for the week's findings, if any (one a week)."""
    finding = (
        SecurityFinding.objects.filter(week_start=week_start, incident__isnull=False)
        .select_related("incident")
        .order_by("pk")
        .first()
    )
    return finding.incident if finding is not None else None
