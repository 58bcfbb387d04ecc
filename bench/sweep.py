"""Benchmark: one pass of the minute tasks over 2,000 (baseline), 10,000 and 100,000 incidents.

5 % of the incidents are open. Each pass has the same due work (100 newly missed
deadlines, 20 due escalation steps); everything else is either met, in the future or
acknowledged, as in a real database. What must hold: the query count does not grow
with the number of incidents, and the wall time stays flat.

    .venv/bin/python bench/sweep.py                 # SQLite file var/bench_sweep.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/sweep.py
        # creates and drops the database `portal_bench` on that server

Writes bench/results/sweep.md.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "2000,10000,100000").split(",")]
OPEN_SHARE = 0.05
MISSED_PER_PASS = 50
PASSES_PER_SIZE = 2
ESCALATIONS_PER_PASS = 20


def sweep(now: Any) -> dict[str, Any]:
    """The minute safety-net tasks as one pass (their owners split them in issue 12):
    on-call's sweep (pages), the core's missed deadlines, the outbox's due messages."""
    from incidents.missed_deadlines import record_due_misses
    from incidents.oncall.sweeper import sweep as page_sweep
    from portal.notifications.outbox import deliver_due_messages

    result = page_sweep(now=now)
    result["missed_deadlines"] = record_due_misses(now)
    result["outbox_due"] = deliver_due_messages(now)
    return result


def prepare_database() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(url)
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS portal_bench")
            conn.execute("CREATE DATABASE portal_bench")
        return urlunsplit(
            parts._replace(path="/portal_bench")
        ), "PostgreSQL (database portal_bench)"
    path = ROOT / "var" / "bench_sweep.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", f"SQLite file {path.relative_to(ROOT)}"


def drop_database(url: str) -> None:
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg
        from django.db import connections

        connections.close_all()
        admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS portal_bench")
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def main() -> None:
    bench_url, label = prepare_database()
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Measured with DEBUG on since the first figures (the settings' default then).
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    try:
        rows = run(label)
    finally:
        drop_database(bench_url)
    write_results(rows, label)


def run(label: str) -> list[dict[str, object]]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone

    from incidents.choices import DeadlineKind, IncidentStatus
    from incidents.models import Deadline, Incident
    from incidents.oncall.choices import EscalationStatus
    from incidents.oncall.models import Escalation, EscalationPolicy
    from incidents.policies import load_preset
    from portal.kernel.actors import Actor

    call_command("migrate", verbosity=0)
    get_user_model().objects.create_superuser("founder", "founder@example.com", "bench-pw-1")
    version = load_preset("founder-24x7", actor=Actor.system("bench"))
    level = version.levels.get(code="SEV-2")
    policy = EscalationPolicy.objects.get(name="Founder 24/7")
    now = timezone.now()
    sweep(now=now)  # warm up imports and caches before anything is measured
    reverse("admin:index")  # the URL resolver is built once per worker process
    made = passes = 0
    rows: list[dict[str, object]] = []
    for size in SIZES:
        t = time.perf_counter()
        while made < size:
            chunk = min(5000, size - made)
            incidents = []
            for i in range(made, made + chunk):
                is_open = i % int(1 / OPEN_SHARE) == 0
                declared = now - datetime.timedelta(days=2, minutes=i % 1440)
                incidents.append(
                    Incident(
                        ref=f"BENCH-{i:08d}",
                        title=f"Bench incident {i}",
                        policy_version=version,
                        severity=level,
                        status=IncidentStatus.INVESTIGATING if is_open else IncidentStatus.CLOSED,
                        declared_at=declared,
                        acknowledged_at=declared + datetime.timedelta(minutes=5),
                        resolved_at=None if is_open else declared + datetime.timedelta(hours=1),
                        closed_at=None if is_open else declared + datetime.timedelta(hours=2),
                    )
                )
            Incident.objects.bulk_create(incidents, batch_size=1000)
            incidents = list(
                Incident.objects.filter(
                    ref__gte=f"BENCH-{made:08d}", ref__lt=f"BENCH-{made + chunk:08d}"
                ).order_by("ref")
            )
            deadlines, escalations = [], []
            for inc in incidents:
                is_open = inc.status == IncidentStatus.INVESTIGATING
                for kind in (DeadlineKind.ACKNOWLEDGE, DeadlineKind.MITIGATE, DeadlineKind.RESOLVE):
                    deadlines.append(
                        Deadline(
                            incident=inc,
                            kind=kind,
                            target="1 day",
                            due_at=(now + datetime.timedelta(days=1))
                            if is_open and kind != "ack"
                            else inc.declared_at + datetime.timedelta(hours=3),
                            met_at=None
                            if is_open and kind != "ack"
                            else inc.declared_at + datetime.timedelta(hours=1),
                        )
                    )
                escalations.append(
                    Escalation(
                        incident=inc,
                        policy=policy,
                        started_at=inc.declared_at,
                        next_index=1,
                        status=EscalationStatus.ACKNOWLEDGED,
                        stopped_at=inc.acknowledged_at,
                    )
                )
            Deadline.objects.bulk_create(deadlines, batch_size=2000)
            Escalation.objects.bulk_create(escalations, batch_size=2000)
            made += chunk
        build = time.perf_counter() - t
        times, counts = [], []
        for _ in range(PASSES_PER_SIZE):  # fresh due work each; the faster one is kept
            elapsed, ctx, result = one_pass(now, passes % PASSES_PER_SIZE)
            times.append(elapsed)
            counts.append(len(ctx.captured_queries))
            now += datetime.timedelta(minutes=1)
            passes += 1
        if os.environ.get("BENCH_SHOW_SQL"):
            print("\n".join(q["sql"][:160] for q in ctx.captured_queries))
        rows.append(
            {
                "incidents": size,
                "open": Incident.objects.filter(status="investigating").count(),
                "deadlines": Deadline.objects.count(),
                "seconds": min(times),
                "queries": "/".join(map(str, counts)),
                "result": result,
                "build": build,
            }
        )
        print(
            f"{size:>7} incidents: sweep {[round(x * 1000, 1) for x in times]} ms, {counts} queries, "
            f"{result} (built in {build:.1f} s)",
            flush=True,
        )
    return rows


def one_pass(
    now: datetime.datetime, number: int
) -> tuple[float, CaptureQueriesContext, dict[str, int]]:
    """Add the pass's due work, then time one sweep on a fresh connection."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.choices import DeadlineKind, IncidentStatus
    from incidents.models import Deadline, Incident
    from incidents.oncall.choices import EscalationStatus
    from incidents.oncall.models import Escalation
    from portal.notifications.models import OutboxMessage

    # The worker delivered the previous pass's messages.
    OutboxMessage.objects.filter(status="pending").update(status="sent", sent_at=now)
    open_ids = list(
        Incident.objects.filter(status=IncidentStatus.INVESTIGATING)
        .order_by("-id")
        .values_list("pk", flat=True)[: MISSED_PER_PASS * (number + 1)]
    )
    # Fresh incidents each pass, so every pass has the same kind of work.
    open_ids = open_ids[MISSED_PER_PASS * number :]
    Deadline.objects.bulk_create(
        [
            Deadline(
                incident_id=pk,
                kind=DeadlineKind.STATUS_UPDATE,
                target="15 min",
                due_at=now - datetime.timedelta(minutes=1),
            )
            for pk in open_ids
        ]
    )
    Escalation.objects.filter(incident_id__in=open_ids[:ESCALATIONS_PER_PASS]).update(
        status=EscalationStatus.ACTIVE,
        next_step_at=now - datetime.timedelta(seconds=30),
        stopped_at=None,
    )
    connection.close()  # a pass as the worker makes it: fresh connection
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            result = profile.runcall(sweep, now=now)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        else:
            result = sweep(now=now)
        elapsed = time.perf_counter() - t
    return elapsed, ctx, result


def write_results(rows: list[dict[str, object]], label: str) -> None:
    base = rows[0]
    uname = platform.uname()
    lines = [
        "# Sweeper benchmark",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M}Z with `bench/sweep.py` on {label}.",
        f"Machine: `{' '.join(uname)}`, {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}),"
        f" Python {platform.python_version()}.",
        "",
        f"Each pass: {MISSED_PER_PASS} newly missed deadlines and {ESCALATIONS_PER_PASS} due escalation steps;",
        "5 % of incidents open (their other deadlines in the future, escalations acknowledged),",
        "closed incidents' deadlines met. Two `sweep()` passes per size (fresh due work and a fresh",
        "connection each, the faster kept); the baseline is",
        "the smallest size measured in the same run (these machines are noisy: compare ratios).",
        "",
        "| incidents | open | deadlines | sweep wall time (best of 2) | × baseline | queries (pass 1/2) | pages | misses recorded |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        result = row["result"]
        assert isinstance(result, dict)
        lines.append(
            f"| {row['incidents']:,} | {row['open']:,} | {row['deadlines']:,} | {float(row['seconds']) * 1000:.1f} ms"  # type: ignore[arg-type]
            f" | {float(row['seconds']) / float(base['seconds']):.2f} | {row['queries']} | {result['pages']}"  # type: ignore[arg-type]
            f" | {result['missed_deadlines']} |"
        )
    same = len({row["queries"] for row in rows}) == 1
    lines += ["", f"Query count constant across sizes: **{'yes' if same else 'NO'}**.", ""]
    out = ROOT / "bench" / "results" / "sweep.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
