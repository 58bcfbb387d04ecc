"""Issue 24, "no documented backup and restore": README "Production" says how; this does
it on PostgreSQL. A dump taken while incidents are being declared restores on an empty
database; `audit verify --expect COUNT:HASH` is clean against the head printed before the
dump; and the engine, started on the restored database, resumes where the dump stopped:
every due first step pages once, and a second run pages nobody again."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from portal.kernel.actors import Actor

ROOT = Path(__file__).resolve().parents[2]


def _manage(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": dsn}
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _pg(tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """PostgreSQL's own client tools, as README "Production" runs them."""
    return subprocess.run(  # noqa: S603 - fixed tools, our own arguments
        [tool, *args], capture_output=True, text=True, timeout=300, check=check
    )


def _count(dsn: str, sql: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dump_taken_under_writes_restores_clean_and_the_engine_resumes(
    load_policy: Any, founder: Any, tmp_path: Path
) -> None:
    import io

    from incidents.services import declare_incident

    load_policy("founder-24x7")
    actor = Actor.for_user(founder)
    stop = threading.Event()
    declared: list[str] = []

    def writer() -> None:
        try:
            n = 0
            while not stop.is_set():
                n += 1
                incident = declare_incident(actor=actor, title=f"Load {n}", severity="SEV-2")
                declared.append(incident.ref)
                time.sleep(0.02)
        finally:
            connection.close()

    for n in range(3):
        declare_incident(actor=actor, title=f"Before {n}", severity="SEV-2")
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    # Given the chain sealed and its head kept outside the database, under writes
    while len(declared) < 5:
        time.sleep(0.05)
    out = io.StringIO()
    call_command("audit", "seal", stdout=io.StringIO())
    call_command("audit", "verify", stdout=out)
    head = out.getvalue().split("Head (keep it): ")[1].strip()
    # When the dump is taken while incidents are still being declared
    db = connection.settings_dict
    base = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}"
    dump = tmp_path / "portal.dump"
    dumped = _pg(
        "pg_dump", "--format=custom", f"--file={dump}", f"{base}/{db['NAME']}", check=False
    )
    during = len(declared)
    time.sleep(0.3)
    stop.set()
    thread.join(30)
    assert dumped.returncode == 0, dumped.stderr
    assert len(declared) > during or during >= 5  # writes went on around the dump
    # And restored on an empty database
    restored_name = f"{db['NAME']}_restored"
    restored = f"{base}/{restored_name}"
    server = ("-h", db["HOST"], "-U", db["USER"])
    _pg("dropdb", "--if-exists", *server, restored_name)
    _pg("createdb", *server, restored_name)
    try:
        loaded = _pg("pg_restore", "--no-owner", f"--dbname={restored}", str(dump), check=False)
        assert loaded.returncode == 0, loaded.stderr
        # Then the chain is clean against the head kept before the dump
        verified = _manage(restored, "audit", "verify", "--expect", head)
        assert verified.returncode == 0, verified.stderr + verified.stdout
        # And the engine resumes: every restored incident's first step pages, once
        incidents = _count(restored, "SELECT count(*) FROM incidents_incident")
        assert incidents >= 8
        # Due messages (those of a disabled channel wait for it on purpose: not due)
        pending = (
            "SELECT count(*) FROM notifications_outboxmessage m "
            "LEFT JOIN notifications_notificationchannel c ON c.id = m.channel_id "
            "WHERE m.status = 'pending' AND coalesce(c.enabled, true) "
            "AND m.next_attempt_at <= now()"
        )
        assert _count(restored, pending) > 0  # pages not yet sent when the dump was taken
        ran = _manage(restored, "engine", "--once")
        assert ran.returncode == 0, ran.stderr
        assert _count(restored, pending) == 0
        pages = _count(restored, "SELECT count(*) FROM oncall_page")
        assert pages >= incidents
        attempts = "SELECT coalesce(sum(attempts), 0) FROM notifications_outboxmessage"
        sent_once = _count(restored, attempts)
        assert sent_once == _count(
            restored, "SELECT count(*) FROM notifications_outboxmessage WHERE status = 'sent'"
        )
        # A second engine run pages nobody again and sends nothing twice
        again = _manage(restored, "engine", "--once")
        assert again.returncode == 0, again.stderr
        assert _count(restored, "SELECT count(*) FROM oncall_page") == pages
        assert _count(restored, attempts) == sent_once
    finally:
        _pg("dropdb", "--if-exists", *server, restored_name, check=False)
