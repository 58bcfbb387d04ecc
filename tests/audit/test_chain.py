"""The sealed hash chain: writers never lock it, the sealer links entries in order, and
`audit verify` detects an altered, deleted, swapped entry and a cut tail."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.audit import triggers
from portal.audit.models import AuditChainHead, AuditEntry
from portal.audit.sealing import seal_pending
from portal.audit.selectors import verify_chain


def _chain(n: int = 4) -> list[AuditEntry]:
    for i in range(n):
        Group.objects.create(name=f"G{i}")
    seal_pending()
    return list(AuditEntry.objects.filter(seq__isnull=False).order_by("seq"))


def _verify(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def _sql(statement: str, params: list[Any]) -> None:
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_audited_write_takes_no_lock_on_the_chain_head(db: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        Group.objects.create(name="Ops")
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "audit_auditchainhead" not in sql
    entry = AuditEntry.objects.get(object_repr="Ops")
    assert entry.seq is None
    assert entry.hash == ""


def test_verify_reports_entries_waiting_and_the_sealer_links_them(db: Any) -> None:
    seal_pending()
    sealed = AuditEntry.objects.filter(seq__isnull=False).count()
    Group.objects.create(name="A")
    Group.objects.create(name="B")
    assert f"{sealed} entries verified, 2 waiting to be sealed" in _verify()
    assert seal_pending() == 2
    out = _verify()
    assert f"{sealed + 2} entries verified, 0 waiting to be sealed" in out
    head = AuditChainHead.objects.get(pk=1)
    assert f"Head (keep it): {sealed + 2}:{head.last_hash}" in out


def test_entries_committed_later_are_sealed_after_the_ones_already_sealed(db: Any) -> None:
    first = _chain(2)
    Group.objects.create(name="late")
    seal_pending()
    late = AuditEntry.objects.get(object_repr="late")
    assert late.seq is not None
    assert first[-1].seq is not None
    assert late.seq == first[-1].seq + 1
    assert late.prev_hash == first[-1].hash
    assert verify_chain().ok


def test_sealing_cannot_rewrite_a_sealed_entry(db: Any) -> None:
    triggers.install(connection)
    entries = _chain(1)
    with pytest.raises(Exception, match="append-only"):
        AuditEntry.objects.filter(pk=entries[0].pk).update(hash="0" * 64)


def test_verify_detects_an_altered_entry(db: Any) -> None:
    entries = _chain()
    _sql("UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["X", entries[1].pk])
    with pytest.raises(CommandError, match=f"id={entries[1].pk}.*content does not match"):
        _verify()


def test_verify_detects_a_deleted_entry(db: Any) -> None:
    entries = _chain()
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=f"entry seq {entries[1].seq} is missing"):
        _verify()


def test_verify_detects_two_entries_swapped(db: Any) -> None:
    entries = _chain()
    a, b = entries[1], entries[2]
    # Swap their positions: each row takes the other's seq (through a free value).
    _sql("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [10_000, a.pk])
    _sql("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [a.seq, b.pk])
    _sql("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [b.seq, a.pk])
    with pytest.raises(CommandError, match="chain broken"):
        _verify()


def test_a_cut_tail_with_a_rewritten_head_is_caught_by_the_kept_head(db: Any) -> None:
    entries = _chain()
    kept = _verify().split("Head (keep it): ")[1].strip()
    assert kept == f"{len(entries)}:{entries[-1].hash}"
    # When the last entry is deleted and the head row rewritten to match the new end
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    AuditChainHead.objects.filter(pk=1).update(last_seq=entries[-2].seq, last_hash=entries[-2].hash)
    # Then the database alone looks consistent…
    assert verify_chain().ok
    # …but the head kept outside it does not match
    with pytest.raises(CommandError, match="tail was cut"):
        _verify("--expect", kept)
    assert _verify("--expect", f"{len(entries) - 1}:{entries[-2].hash}")


def test_a_rewritten_chain_is_caught_by_the_kept_head(db: Any) -> None:
    entries = _chain()
    kept = f"{entries[1].seq}:{entries[1].hash}"
    _sql("UPDATE audit_auditentry SET hash = %s WHERE id = %s", ["f" * 64, entries[1].pk])
    with pytest.raises(CommandError):
        _verify("--expect", kept)


@pytest.mark.parametrize("bad", ["12", "x:abc", "3:" + "z" * 64, "3:abc"])
def test_expect_refuses_a_malformed_head(db: Any, bad: str) -> None:
    with pytest.raises(CommandError, match="--expect"):
        _verify("--expect", bad)


def test_verify_walks_thousands_of_entries_quickly(db: Any) -> None:
    import time

    from portal.audit.services import _entry, record_entries
    from portal.kernel.actors import Actor

    before = AuditEntry.objects.count()
    record_entries(
        [
            _entry(actor=Actor.system("t"), action="create", object_type="t.t", object_id=i)
            for i in range(3000)
        ]
    )
    seal_pending()
    started = time.perf_counter()
    report = verify_chain()
    elapsed = time.perf_counter() - started
    assert report.ok
    assert report.checked == before + 3000
    # It took 4.3 s for 3,156 entries before; a generous bound for noisy machines.
    assert elapsed < 2.0


@pytest.mark.django_db(transaction=True)
def test_inside_sealing_deferred_commits_leave_the_seal_to_the_caller() -> None:
    from portal.audit.choices import AuditAction
    from portal.audit.sealing import sealing_deferred
    from portal.audit.services import record_entry
    from portal.kernel.actors import Actor

    def committed_entry(name: str) -> None:
        from django.db import transaction

        with transaction.atomic():
            record_entry(
                actor=Actor.system("test"),
                action=AuditAction.CREATE,
                object_type="test.note",
                object_repr=name,
            )

    # Outside: each commit seals its entries
    committed_entry("sealed at its commit")
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    # Inside: two commits, nothing sealed until the caller seals once
    with sealing_deferred():
        committed_entry("one")
        committed_entry("two")
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 2
    assert seal_pending() == 2
    assert "0 waiting to be sealed" in _verify()
