"""Alert storm: PagerDuty Events v2 triggers against the real stack (gunicorn + PostgreSQL).

    .venv/bin/python bench/alert_storm.py [--events 20000] [--keys 200] [--concurrency 16]

Creates (drops first) the database `portal_bench_storm` (or `STORM_DATABASE`, so that
runs on a shared server do not drop each other's), migrates it, loads the
founder-24x7 policy, creates a PagerDuty integration, starts gunicorn with 2 workers
(sync, the worker class of the production config `portal/gunicorn.conf.py`; or
`--worker-class gthread` with `--threads` each; DEBUG=0, SECURE_SSL_REDIRECT=0) and the
paging engine
(`manage.py engine`, which declares the incidents of first triggers), and posts N triggers over K
dedup keys from a load generator on the same machine: wrk (`apt install wrk`, C, with
bench/lua/storm.lua) when installed, else an asyncio client (raw HTTP/1.1, keep-alive).
A Python client costs about as much CPU as the server on these 2-core machines, so wrk
is the default. Then it checks that exactly K
incidents opened and N alerts were counted, and measures the physical baseline in the
same run: the raw `INSERT … ON CONFLICT DO UPDATE` rate through psycopg on a scratch
copy of the alert table, with as many connections as gunicorn has request threads (the
most the server can have in flight against the database: 2 for 2 sync workers, 8 for
2 gthread workers of 4 threads).
Results go to bench/results/alert_storm.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
from storm_load import WRK, make_bodies, storm, storm_wrk  # bench/ is the script's path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DB = os.environ.get("STORM_DATABASE", "portal_bench_storm")
PG = "postgres://postgres@127.0.0.1:5432"
RESULTS = ROOT / "bench" / "results" / "alert_storm.md"


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789abcdef",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
    }


def manage(*args: str) -> str:
    out = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [PY, "manage.py", *args], cwd=ROOT, env=env(), check=True, capture_output=True, text=True
    )
    return out.stdout


def setup_database() -> str:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    manage("migrate", "--no-input")
    manage("loadpolicy", "founder-24x7")
    return (
        manage("integration", "create", "--kind", "pagerduty", "--name", "storm")
        .strip()
        .splitlines()[-1]
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, worker_class: str, threads: int) -> subprocess.Popen:
    cmd = [GUNICORN, "portal.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    if worker_class != "sync":
        cmd += ["-k", worker_class, "--threads", str(threads)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env())  # noqa: S603 - fixed argv, no shell
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


# --- Baseline ---------------------------------------------------------------------------------


def scalar(conn: psycopg.Connection[Any], sql: str) -> Any:
    """The first column of the query's one row."""
    row = conn.execute(sql).fetchone()
    assert row is not None, sql
    return row[0]


def baseline(events: int, keys: int, connections: int) -> float:
    """Raw upserts through psycopg, same unique index, `connections` threads, autocommit."""
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_upsert")
        conn.execute("CREATE TABLE bench_upsert (LIKE integrations_alert INCLUDING ALL)")
        integration_id = scalar(conn, "SELECT id FROM integrations_integration LIMIT 1")
    sql = (
        "INSERT INTO bench_upsert (integration_id, dedup_key, open_key, status, count, summary, "
        "first_seen_at, last_seen_at, details, opening) "
        "VALUES (%s, %s, %s, 'triggered', 1, %s, now(), now(), '{}', false) "
        "ON CONFLICT (integration_id, open_key) DO UPDATE SET count = bench_upsert.count + 1, "
        "last_seen_at = EXCLUDED.last_seen_at RETURNING id, (xmax = 0)"
    )
    per_thread = events // connections

    def run(offset: int) -> None:
        rng = random.Random(offset)
        with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
            for _ in range(per_thread):
                k = f"storm-{rng.randrange(keys)}"
                conn.execute(sql, (integration_id, k, k, "Storm alert")).fetchone()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        total = scalar(conn, "SELECT sum(count) FROM bench_upsert")
        conn.execute("DROP TABLE bench_upsert")
    assert total == per_thread * connections, total
    return per_thread * connections / elapsed


def machine() -> str:
    cpu = "unknown"
    with contextlib.suppress(OSError):  # not Linux: the CPU stays "unknown"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with psycopg.connect(f"{PG}/postgres") as conn:
        pg = scalar(conn, "SHOW server_version")
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs ({cpu}), "
        f"Python {platform.python_version()}, PostgreSQL {pg}"
    )


def wait_opened(limit: float = 60) -> float:
    """Seconds until every alert has its incident (the engine declares them)."""
    started = time.perf_counter()
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        while time.perf_counter() - started < limit and scalar(
            conn, "SELECT count(*) FROM integrations_alert WHERE opening"
        ):
            time.sleep(0.05)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--worker-class",
        default="sync",
        help="gunicorn worker class: sync (portal/gunicorn.conf.py's, in production) or gthread",
    )
    parser.add_argument(
        "--generator",
        choices=("wrk", "python"),
        default="wrk" if WRK else "python",
        help="load generator: wrk (apt install wrk) or the asyncio client",
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker for gthread")
    parser.add_argument("--append", action="store_true", help="append to the results file")
    args = parser.parse_args()

    key = setup_database()
    port = free_port()
    server = start_gunicorn(port, args.worker_class, args.threads)
    # The paging engine is part of the stack: it declares the incidents of first
    # triggers (ALERT_OPENING=engine, the default), as `make run` and production run it.
    engine = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [PY, "manage.py", "engine"], cwd=ROOT, env=env()
    )
    try:
        bodies = make_bodies(key, args.events, args.keys)
        # warm-up: until the workers answer, so boot, imports and connections are not measured
        for _ in range(60):
            try:
                asyncio.run(storm(port, [json.dumps({"routing_key": "warm-up"}).encode()] * 4, 2))
                break
            except OSError:
                time.sleep(0.5)
        if args.generator == "wrk":
            elapsed, p50, p99, statuses = storm_wrk(
                port, key, args.events, args.keys, args.concurrency, f"{PG}/{DB}"
            )
        else:
            elapsed, latencies, statuses = asyncio.run(storm(port, bodies, args.concurrency))
            elapsed += wait_opened()
            latencies.sort()
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    finally:
        server.terminate()
        engine.terminate()
        server.wait(timeout=30)
        engine.wait(timeout=30)

    with psycopg.connect(f"{PG}/{DB}") as conn:
        incidents = scalar(conn, "SELECT count(*) FROM incidents_incident")
        alerts = scalar(conn, "SELECT coalesce(sum(count), 0) FROM integrations_alert")
        alert_count = scalar(conn, "SELECT coalesce(sum(alert_count), 0) FROM incidents_incident")
        timeline = scalar(conn, "SELECT count(*) FROM incidents_timelineentry WHERE kind = 'alert'")
    # As many baseline connections as the server holds (one per worker thread).
    server_connections = 2 * (args.threads if args.worker_class != "sync" else 1)
    base_rate = baseline(args.events, args.keys, server_connections)

    rate = args.events / elapsed
    ok = incidents == args.keys and alerts == args.events and alert_count == args.events
    report = f"""# Alert storm (PagerDuty Events v2 → portal)

Run: `{" ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) or "alert_storm.py"}` on {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
Machine: {machine()} — shared with other jobs, so figures are noisy; compare the ratio.
Stack: gunicorn 2 workers ({args.worker_class}{f", {args.threads} threads" if args.worker_class != "sync" else ""}), DEBUG=0, and the paging engine (`manage.py engine`); PostgreSQL `{DB}`; load generator: {"wrk (2 threads)" if args.generator == "wrk" else "asyncio"}, {args.concurrency} connections, same machine.

| measure | value |
|---|---|
| events sent | {args.events:,} triggers over {args.keys} dedup keys |
| HTTP statuses | {", ".join(f"{s}: {n:,}" for s, n in sorted(statuses.items()))} |
| throughput | **{rate:,.0f} events/s** ({elapsed:.1f} s) |
| latency p50 / p99 | {p50:.1f} ms / {p99:.1f} ms |
| incidents opened | {incidents} (expected {args.keys}) |
| alerts counted (Σ alert.count) | {alerts:,} (expected {args.events:,}) |
| Σ incident.alert_count | {alert_count:,} |
| timeline "alert" entries | {timeline} (folded at 1, 10, 100…) |
| baseline: raw `INSERT … ON CONFLICT` via psycopg, {server_connections} connections | {base_rate:,.0f} upserts/s |
| **ratio portal / baseline** | **{rate / base_rate:.2f}** |
| correct | {"yes" if ok else "NO"} |
"""
    if args.append and RESULTS.exists():
        RESULTS.write_text(
            RESULTS.read_text()
            + "\n"
            + report.replace("# Alert storm", "## Another run: alert storm")
        )
    else:
        RESULTS.write_text(report)
    print(report)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
