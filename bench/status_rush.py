"""Status page rush: every public URL against a static file of the same server, same run.

Issue 27: during an outage customers (and their tools) hit `/status/` and the status API
hardest. This starts the production gunicorn config (`gunicorn -c portal/gunicorn.conf.py`:
its workers, worker class and access log; DEBUG=0) on PostgreSQL with an outage on the
page (3 open public incidents with updates, 40 past ones, 6 public components), then,
for each public URL in turn, a Python load generator keeps N connections busy for a few
seconds (HTTP/1.1 keep-alive through `http.client`; gunicorn's sync workers close after
each answer, so clients reconnect as browsers do) and records every latency. The
baseline is a static file served by the same gunicorn (WhiteNoise), measured before and
after the URLs; the ratio is the URL's requests/s over the baseline's mean.

Goal (issue 27): ratio >= 0.5 and p99 < 50 ms for every URL.

    .venv/bin/python bench/status_rush.py [--connections 64] [--seconds 5] [--processes 2]

The load generator shares the machine's cores with the server (a Python client costs
about as much CPU per request as a cached answer), so absolute figures are a floor;
the ratio against the static file, measured the same way, is the figure to compare.
Writes bench/results/status_rush.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DB = os.environ.get("RUSH_DATABASE", "portal_bench_status")
PG = "postgres://postgres@127.0.0.1:5432"
RESULTS = ROOT / "bench" / "results" / "status_rush.md"
STATIC = "/static/admin/css/base.css"

SEED = """
import datetime, uuid
from django.utils import timezone
from incidents.catalog import save_service
from incidents.comms.services import send_comms
from incidents.services import declare_incident, post_status_update, resolve_incident
from portal.kernel.actors import Actor
actor = Actor.system("bench")
services = [save_service(name=n, actor=actor, description=f"{n} for customers")
            for n in ("API", "Web app", "Checkout", "Search", "Webhooks", "Mobile sync")]
for i in range(40):
    past = declare_incident(actor=actor, title=f"Past incident {i}", severity="SEV-3",
                            services=[services[i % 6]])
    send_comms(incident=past, actor=actor, channel="status_page", body=f"Past update {i}",
               idempotency_key=uuid.uuid4())
    resolve_incident(incident=past, actor=actor, reason="fixed")
for i, sev in enumerate(("SEV-1", "SEV-2", "SEV-3")):
    inc = declare_incident(actor=actor, title=f"Outage {i}", severity=sev,
                           services=services[i:i + 2])
    for n in range(4):
        send_comms(incident=inc, actor=actor, channel="status_page",
                   body=f"Update {n}: p99 < 500 ms again for most customers.",
                   idempotency_key=uuid.uuid4())
    post_status_update(incident=inc, actor=actor, status="identified",
                       message="Fix rolling out.", public=True)
print(inc.ref)
"""


def env(tmp: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789abcdef",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(tmp / "static"),
        "STATUS_CACHE_URL": f"filecache://{tmp / 'status-cache'}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "GUNICORN_CMD_ARGS": "--log-level warning",
    }


def manage(environ: dict[str, str], *args: str) -> str:
    out = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [PY, "manage.py", *args], cwd=ROOT, env=environ, check=True, capture_output=True, text=True
    )
    return out.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def setup(environ: dict[str, str]) -> str:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    manage(environ, "migrate", "--no-input")
    manage(environ, "loadpolicy", "founder-24x7")
    manage(environ, "collectstatic", "--no-input")
    return manage(environ, "shell", "-c", SEED).strip().splitlines()[-1]


def start_gunicorn(environ: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    cmd = [GUNICORN, "-c", "portal/gunicorn.conf.py"]
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        cmd, cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, start_new_session=True
    )
    for _ in range(200):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return proc
        time.sleep(0.1)
    stop(proc)
    raise SystemExit("gunicorn did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """The master and its workers (its own process group), by the master's id."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --- Load generator: threads with http.client, in a few processes -----------------------


def _worker(port: int, path: str, threads: int, seconds: float, out: Any) -> None:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run() -> None:
        mine: list[float] = []
        bad = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while (start := time.perf_counter()) < deadline:
            try:
                conn.request("GET", path, headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                continue
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.put((latencies, errors[0]))


def rush(port: int, path: str, connections: int, seconds: float, processes: int) -> dict[str, Any]:
    queue: Any = multiprocessing.Queue()
    per = [connections // processes + (i < connections % processes) for i in range(processes)]
    procs = [
        multiprocessing.Process(target=_worker, args=(port, path, n, seconds, queue)) for n in per
    ]
    for proc in procs:
        proc.start()
    latencies: list[float] = []
    errors = 0
    for _ in procs:
        lat, err = queue.get()
        latencies.extend(lat)
        errors += err
    for proc in procs:
        proc.join()
    latencies.sort()
    count = len(latencies)
    return {
        "rps": count / seconds,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99": latencies[int(count * 0.99) - 1] * 1000 if latencies else float("nan"),
        "errors": errors,
    }


def size(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return len(body)


def machine() -> str:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with psycopg.connect(f"{PG}/postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
    pg = row[0] if row else "?"
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs ({cpu}), "
        f"Python {platform.python_version()}, PostgreSQL {pg}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="status-rush-"))
    port = free_port()
    environ = env(tmp, port)
    ref = setup(environ)
    urls = [
        "/status/",
        f"/status/incidents/{ref}/",
        "/status/feed/",
        "/status/summary.json",
        "/status/api/v2/summary.json",
        "/status/api/v2/status.json",
        "/status/api/v2/components.json",
        "/status/api/v2/incidents.json",
        "/status/api/v2/incidents/unresolved.json",
        "/status/api/v2/scheduled-maintenances.json",
        "/status/api/v2/scheduled-maintenances/upcoming.json",
        "/status/api/v2/scheduled-maintenances/active.json",
    ]
    server = start_gunicorn(environ, port)
    try:
        for path in [STATIC, *urls]:
            rush(port, path, 8, 0.5, 1)  # warm: workers started, pages rendered once
        results: dict[str, dict[str, Any]] = {}
        baseline_runs = [rush(port, STATIC, args.connections, args.seconds, args.processes)]
        for path in urls:
            results[path] = rush(port, path, args.connections, args.seconds, args.processes)
            print(f"{path}: {results[path]['rps']:.0f}/s p99 {results[path]['p99']:.1f} ms")
        baseline_runs.append(rush(port, STATIC, args.connections, args.seconds, args.processes))
        sizes = {path: size(port, path) for path in [STATIC, *urls]}
        workers = int(environ.get("WEB_CONCURRENCY", "3"))
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    base_rps = statistics.mean(r["rps"] for r in baseline_runs)
    base_p99 = max(r["p99"] for r in baseline_runs)
    lines = [
        "# Status page rush (bench/status_rush.py)",
        "",
        f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}.",
        f"Server: `gunicorn -c portal/gunicorn.conf.py` ({workers} sync workers, access log on),"
        " DEBUG=0, status cache: file cache. Load: Python threads with http.client,"
        f" {args.connections} connections in {args.processes} processes, {args.seconds:g} s per"
        " URL, same machine.",
        "",
        f"Baseline `{STATIC}` ({sizes[STATIC]:,} B): "
        + ", ".join(f"{r['rps']:,.0f}/s (p99 {r['p99']:.1f} ms)" for r in baseline_runs)
        + f" before/after; mean {base_rps:,.0f}/s.",
        "",
        "| URL | bytes | req/s | × static | p50 ms | p99 ms | errors | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for path, r in results.items():
        ratio = r["rps"] / base_rps
        ok = ratio >= 0.5 and r["p99"] < 50 and not r["errors"]
        lines.append(
            f"| `{path}` | {sizes[path]:,} | {r['rps']:,.0f} | {ratio:.2f} | {r['p50']:.1f} "
            f"| {r['p99']:.1f} | {r['errors']} | {'met' if ok else 'MISSED'} |"
        )
    lines.append(
        f"| static baseline (worst p99) | | {base_rps:,.0f} | 1.00 | | {base_p99:.1f} | | |"
    )
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
