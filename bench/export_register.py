"""Incident register export: rows/s and peak memory at 100,000 and 1,000,000 incidents.

    .venv/bin/python bench/export_register.py [--rows 1000000] [--small 100000]

Creates (drops first) the PostgreSQL database `portal_bench_export`, migrates it,
loads the founder-24x7 policy, and inserts the incidents with one
`INSERT … SELECT generate_series(…)` (10,000 per UTC day, every tenth with a
service). Then, for each size, a fresh subprocess streams the CSV register of the
period holding exactly that many incidents (`portal.project.reports.exporters.stream`, the
code behind the API, admin and CLI) into /dev/null and reports its wall time and
peak RSS (`ru_maxrss`). A baseline subprocess that exports one day (10,000 rows)
gives the memory floor of Django itself, measured in the same run.
Results go to bench/results/export_register.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
DB = "portal_bench_export"
PG = "postgres://postgres@127.0.0.1:5432"
RESULTS = ROOT / "bench" / "results" / "export_register.md"
PER_DAY = 10_000
FIRST_DAY = datetime.date(2026, 1, 1)


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "localhost",
    }


def django_setup() -> None:
    os.environ.update(env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(rows: int) -> float:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env(), check=True)  # noqa: S603
    django_setup()
    from django.db import connection

    from incidents.models import Incident, Service
    from incidents.policies import load_preset
    from portal.kernel.actors import Actor

    version = load_preset("founder-24x7", actor=Actor.system("bench"))
    level = version.levels.get(rank=2)
    service = Service.objects.create(name="Checkout", slug="checkout")
    step_ms = 86_400_000 // PER_DAY
    exprs: list[str] = []
    params: list[Any] = []
    for f in Incident._meta.concrete_fields:
        if f.primary_key:
            continue
        special = {
            "ref": "'INC-B' || lpad(g::text, 8, '0')",
            "title": "'Bench incident ' || g",
            "policy_version_id": "%s",
            "severity_id": "%s",
            "status": "'resolved'",
            "declared_at": f"timestamptz '{FIRST_DAY} 00:00Z' + (g - 1) * interval '{step_ms} milliseconds'",
            "impact_started_at": f"timestamptz '{FIRST_DAY} 00:00Z' + (g - 1) * interval '{step_ms} milliseconds' - interval '4 minutes'",
            "acknowledged_at": f"timestamptz '{FIRST_DAY} 00:00Z' + (g - 1) * interval '{step_ms} milliseconds' + interval '3 minutes'",
            "mitigated_at": f"timestamptz '{FIRST_DAY} 00:00Z' + (g - 1) * interval '{step_ms} milliseconds' + interval '40 minutes'",
            "resolved_at": f"timestamptz '{FIRST_DAY} 00:00Z' + (g - 1) * interval '{step_ms} milliseconds' + interval '1 hour'",
            "updated_at": "now()",
        }
        if f.attname in special:
            exprs.append(special[f.attname])
            if f.attname == "policy_version_id":
                params.append(version.pk)
            if f.attname == "severity_id":
                params.append(level.pk)
        elif f.null:
            exprs.append("NULL")
        else:
            exprs.append("%s")
            params.append(f.get_db_prep_save(f.get_default(), connection))
    columns = ", ".join(str(f.column) for f in Incident._meta.concrete_fields if not f.primary_key)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO incidents_incident ({columns}) SELECT {', '.join(exprs)} "
            "FROM generate_series(1, %s) AS g",
            [*params, rows],
        )
        through = Incident.services.through._meta.db_table
        cursor.execute(
            f"INSERT INTO {through} (incident_id, service_id) SELECT id, %s FROM incidents_incident WHERE id %% 10 = 0",
            [service.pk],
        )
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def child(days: int) -> None:
    """Export `days` days (PER_DAY incidents each) to /dev/null; print JSON figures."""
    import resource

    django_setup()
    from portal.project.reports.exporters import stream
    from portal.project.reports.periods import Period

    period = Period(FIRST_DAY, FIRST_DAY + datetime.timedelta(days=days - 1))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = 0
    lines = 0
    with open(os.devnull, "wb") as sink:
        for block in stream("incident-register", "csv", period):
            sink.write(block)
            size += len(block)
            lines += block.count(b"\n")
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": lines - 1,
                "seconds": seconds,
                "bytes": size,
                "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "rss_after_setup_kb": rss_before,
            }
        )
    )


def measure(days: int) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603
        [PY, __file__, "--child", str(days)],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--child", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    insert_seconds = prepare(args.rows)
    runs = [("baseline (1 day)", measure(1))]
    runs.append((f"{args.small:,}", measure(args.small // PER_DAY)))
    runs.append((f"{args.rows:,}", measure(args.rows // PER_DAY)))
    base = runs[0][1]["maxrss_kb"]
    lines = [
        "# Incident register export (CSV, streamed)",
        "",
        f"Run: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M}Z on {platform.node()} "
        f"({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, shared with other jobs), "
        "PostgreSQL on the same machine. Script: `bench/export_register.py`.",
        "",
        f"Setup: {args.rows:,} incidents inserted with one `INSERT … SELECT generate_series` in "
        f"{insert_seconds:.1f} s (10,000 per day; every tenth has a service). Each export runs in a fresh "
        "subprocess: `portal.project.reports.exporters.stream('incident-register', 'csv', period)` into /dev/null.",
        "",
        "| rows exported | time (s) | rows/s | MB written | peak RSS (MB) | RSS over baseline (MB) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in runs:
        lines.append(
            f"| {label} ({r['rows']:,}) | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} | "
            f"{r['bytes'] / 1e6:.1f} | {r['maxrss_kb'] / 1024:.1f} | {(r['maxrss_kb'] - base) / 1024:+.1f} |"
        )
    small, big = runs[1][1], runs[2][1]
    lines += [
        "",
        f"Ratio 1M / 100k: time ×{big['seconds'] / small['seconds']:.1f} (rows ×{big['rows'] / small['rows']:.0f}), "
        f"peak RSS ×{big['maxrss_kb'] / small['maxrss_kb']:.2f}: memory stays flat while the row count grows tenfold.",
        "",
        "Why flat: rows come from `QuerySet.iterator(chunk_size=2000)` (a server-side cursor on PostgreSQL), "
        "services are looked up per chunk of 2,000, and the CSV writer yields every 500 rows; nothing holds the "
        "whole result. The same generator feeds the API's `StreamingHttpResponse` and the CLI's `--out` file.",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
