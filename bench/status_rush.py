"""Status page rush: every public URL against a static file of the same server, same run.

Issue 27: during an outage customers (and their tools) hit `/status/` and the status API
hardest. This starts the production gunicorn config (`gunicorn -c portal/gunicorn.conf.py`:
its workers, worker class and access log; DEBUG=0) on PostgreSQL with an outage on the
page (3 open public incidents with updates, 40 past ones, 6 public components), then,
for each public URL in turn, keeps N connections busy for a few seconds and records the
latencies. The baseline is a static file served by the same gunicorn (WhiteNoise),
measured before and after the URLs; the ratio is the URL's requests/s over the
baseline's mean.

The load generator is `wrk` when it is installed (as in the issue's own measurement:
`wrk -c 64 -t 2 --latency`; req/s, and p50/p99 from its latency distribution), else a
Python one (threads with `http.client` in a few processes; it costs about as much CPU
per request as a cached answer, so its absolute figures are a floor). Either way it
shares the machine's cores with the server; the output says which one ran.

Goal (issue 27): ratio >= 0.5 and p99 < 50 ms for every URL.

    .venv/bin/python bench/status_rush.py [--connections 64] [--seconds 5]
        [--generator auto|wrk|python] [--threads 2] [--processes 2]

Writes bench/results/status_rush.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
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
WRK = "/usr/bin/wrk"

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


def python_rush(
    port: int, path: str, connections: int, seconds: float, processes: int
) -> dict[str, Any]:
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


# --- Load generator: wrk -------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    """wrk's `812.00us`, `23.45ms`, `1.20s` in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """req/s, p50/p99 (ms, from `--latency`'s distribution) and errors from wrk's report.

    Errors are the socket errors (connect, read, write, timeout: a request past wrk's
    timeout is left out of its latencies, so a timeout is never a silent fast answer)
    and the non-2xx/3xx answers.
    """
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE))
    if rps is None or not {"50", "99"} <= percentiles.keys():
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = 0
    if socket_errors := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in socket_errors.groups())
    if non_2xx := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(non_2xx.group(1))
    return {
        "rps": float(rps.group(1)),
        "p50": _ms(percentiles["50"]),
        "p99": _ms(percentiles["99"]),
        "errors": errors,
    }


def wrk_rush(
    port: int, path: str, connections: int, seconds: float, threads: int
) -> dict[str, Any]:
    cmd = [
        WRK,
        f"--connections={connections}",
        f"--threads={min(threads, connections)}",
        f"--duration={max(1, round(seconds))}s",
        "--latency",
        f"http://127.0.0.1:{port}{path}",
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)  # noqa: S603
    return parse_wrk(out.stdout)


class Generator:
    """The load generator of this run: wrk when installed (or asked for), else Python."""

    def __init__(self, choice: str, threads: int, processes: int) -> None:
        if choice == "auto":
            choice = "wrk" if os.access(WRK, os.X_OK) else "python"
        if choice == "wrk" and not os.access(WRK, os.X_OK):
            raise SystemExit(f"{WRK} not found (apt-get install wrk), or use --generator python")
        self.name, self.threads, self.processes = choice, threads, processes

    def rush(self, port: int, path: str, connections: int, seconds: float) -> dict[str, Any]:
        if self.name == "wrk":
            return wrk_rush(port, path, connections, seconds, self.threads)
        return python_rush(port, path, connections, seconds, self.processes)

    def describe(self, connections: int) -> str:
        if self.name == "wrk":
            version = (
                subprocess.run(  # noqa: S603 - fixed argv
                    [WRK, "--version"], check=False, capture_output=True, text=True
                )
                .stdout.split("[")[0]
                .strip()
            )
            return (
                f"`{version}`, `-c {connections} -t {self.threads} --latency`"
                " (req/s and p50/p99 as wrk reports them)"
            )
        return (
            f"Python threads with http.client, {connections} connections in"
            f" {self.processes} processes (wrk not installed)"
        )


# --- Whose CPU: the machine is shared, so each window says what else ran ----------------

TICK = os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    """CPU seconds the machine spent busy so far (all cores; /proc/stat)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICK


def _group_seconds(pgid: int) -> float:
    """CPU seconds used so far by the live processes of a process group (the server)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # pgrp
                total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def _children_seconds() -> float:
    """CPU seconds of this script's finished children (the load generator)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def accounted(run: Callable[[], dict[str, Any]], server: subprocess.Popen[bytes]) -> dict[str, Any]:
    """`run()`'s result plus `other_cpu`: the share of the machine's cores used meanwhile
    by anything but the server and the load generator (PostgreSQL included)."""
    before = (_busy_seconds(), _group_seconds(server.pid), _children_seconds(), time.time())
    result = run()
    after = (_busy_seconds(), _group_seconds(server.pid), _children_seconds(), time.time())
    busy, ours, generator, wall = (b - a for a, b in zip(before, after, strict=True))
    cores = len(os.sched_getaffinity(0))
    result["other_cpu"] = max(0.0, busy - ours - generator) / (wall * cores) * 100
    return result


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
    uname = subprocess.run(  # noqa: S603 - fixed argv
        ["/bin/uname", "-a"], check=False, capture_output=True, text=True
    ).stdout.strip()
    return (
        f"`{uname or platform.platform()}`, nproc {len(os.sched_getaffinity(0))} ({cpu}), "
        f"Python {platform.python_version()}, PostgreSQL {pg}"
    )


def server_config(environ: dict[str, str]) -> str:
    """Workers, worker class and threads as gunicorn reads portal/gunicorn.conf.py here."""
    out = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [GUNICORN, "-c", "portal/gunicorn.conf.py", "--print-config"],
        cwd=ROOT,
        env=environ,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    conf = dict(re.findall(r"^(\w+)\s+= (.*)$", out, re.MULTILINE))
    threads = f" × {conf['threads']} threads" if conf.get("threads", "1") != "1" else ""
    return f"{conf['workers']} {conf['worker_class']} workers{threads}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto: wrk if installed",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--processes", type=int, default=2, help="Python load generator processes")
    args = parser.parse_args()
    generator = Generator(args.generator, args.threads, args.processes)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"load generator: {generator.name}")
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
    workers = server_config(environ)
    server = start_gunicorn(environ, port)
    try:
        for path in [STATIC, *urls]:
            python_rush(port, path, 8, 0.5, 1)  # warm: workers started, pages rendered once

        def measure(path: str) -> dict[str, Any]:
            result = accounted(
                lambda: generator.rush(port, path, args.connections, args.seconds), server
            )
            print(
                f"{path}: {result['rps']:.0f}/s p50 {result['p50']:.1f} ms"
                f" p99 {result['p99']:.1f} ms, other CPU {result['other_cpu']:.0f}%",
                flush=True,
            )
            return result

        results: dict[str, dict[str, Any]] = {}
        baseline_runs = [measure(STATIC)]
        for path in urls:
            results[path] = measure(path)
        baseline_runs.append(measure(STATIC))
        sizes = {path: size(port, path) for path in [STATIC, *urls]}
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
        f"Run of {started}; {machine()}.",
        f"Server: `gunicorn -c portal/gunicorn.conf.py` ({workers}, access log on),"
        f" DEBUG=0, status cache: file cache. Load generator: {generator.name}:"
        f" {generator.describe(args.connections)}, {args.seconds:g} s per URL, same machine.",
        "",
        f"Baseline `{STATIC}` ({sizes[STATIC]:,} B): "
        + ", ".join(
            f"{r['rps']:,.0f}/s (p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms,"
            f" other CPU {r['other_cpu']:.0f}%)"
            for r in baseline_runs
        )
        + f" before/after; mean {base_rps:,.0f}/s.",
        "",
        "Other CPU: the share of the machine's cores that anything but this server and the"
        " load generator used during the URL's window (PostgreSQL included); above a few"
        " per cent, another job shared the machine.",
        "",
        "| URL | bytes | req/s | × static | p50 ms | p99 ms | errors | other CPU | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for path, r in results.items():
        ratio = r["rps"] / base_rps
        ok = ratio >= 0.5 and r["p99"] < 50 and not r["errors"]
        lines.append(
            f"| `{path}` | {sizes[path]:,} | {r['rps']:,.0f} | {ratio:.2f} | {r['p50']:.1f} "
            f"| {r['p99']:.1f} | {r['errors']} | {r['other_cpu']:.0f}% "
            f"| {'met' if ok else 'MISSED'} |"
        )
    lines.append(
        f"| static baseline (worst p99) | | {base_rps:,.0f} | 1.00 | | {base_p99:.1f} | | | |"
    )
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
