"""The alert storm's load generators (`bench/alert_storm.py`): wrk (C, Debian package
`wrk`, with bench/lua/storm.lua), the default, and an asyncio client (raw HTTP/1.1,
keep-alive) for machines without it. A Python client costs about as much CPU as the
server on these 2-core machines, which is why wrk is preferred."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status


async def storm(
    port: int, bodies: list[bytes], concurrency: int
) -> tuple[float, list[float], dict[str, int]]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def worker() -> None:
        conn = Connection(port)
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            status = await conn.post("/integrations/pagerduty/v2/enqueue", body)
            latencies.append(time.perf_counter() - started)
            statuses[str(status)] = statuses.get(str(status), 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, statuses


def make_bodies(key: str, events: int, keys: int) -> list[bytes]:
    rng = random.Random(42)
    bodies = []
    for n in range(events):
        k = rng.randrange(keys) if n >= keys else n  # every key at least once, then random
        bodies.append(
            json.dumps(
                {
                    "routing_key": key,
                    "event_action": "trigger",
                    "dedup_key": f"storm-{k}",
                    "payload": {
                        "summary": f"Storm alert {k}: error rate above threshold",
                        "source": f"host-{k % 20}",
                        "severity": "error",
                        "custom_details": {"n": n},
                    },
                }
            ).encode()
        )
    return bodies


WRK = shutil.which("wrk")
WRK_SCRIPT = ROOT / "bench" / "lua" / "storm.lua"


def storm_wrk(
    port: int, key: str, events: int, keys: int, concurrency: int, dsn: str
) -> tuple[float, float, float, dict[str, int]]:
    """The storm from wrk (C, Debian package `wrk`): far less CPU than a Python client,
    which matters when client and server share two cores. Returns elapsed, p50, p99 (ms)."""
    threads = 2
    env_vars = {
        **os.environ,
        "STORM_EVENTS": str(events),
        "STORM_KEYS": str(keys),
        "STORM_THREADS": str(threads),
        "STORM_ROUTING_KEY": key,
    }
    # wrk runs for a fixed duration (its threads stop after their share, its main thread
    # does not), so watch the database and interrupt wrk once every trigger is counted.
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            WRK or "wrk",
            f"-t{threads}",
            f"-c{concurrency}",
            "-d600s",
            "--latency",
            "-s",
            str(WRK_SCRIPT),
            f"http://127.0.0.1:{port}",
        ],
        env=env_vars,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = time.perf_counter()
    last, last_change = -1, started
    counted = None
    with psycopg.connect(dsn, autocommit=True) as conn:
        while proc.poll() is None and time.perf_counter() - last_change < 5:
            # Done when every trigger is counted and every alert has its incident: the
            # portal answers a first trigger once its alert is stored and declares the
            # incident in the background (incidents/integrations/opening.py), so the
            # clock runs until the last declaration has committed.
            counted = conn.execute(
                "SELECT coalesce(sum(count), 0), count(*) FILTER (WHERE opening) "
                "FROM integrations_alert"
            ).fetchone()
            if counted and counted[0] >= events and counted[1] == 0:
                break
            progress = counted[0] * 1_000_000 - counted[1] if counted else -1
            if progress != last:
                # No progress for 5 s means some triggers were refused: stop and report.
                last, last_change = progress, time.perf_counter()
            time.sleep(0.1)
    done = counted is not None and counted[0] >= events and counted[1] == 0
    finished = time.perf_counter() if done else last_change
    elapsed = finished - started
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    refused = int(match.group(1)) if match else 0
    statuses = {"2xx": events - refused, "non-2xx": refused} if refused else {"2xx": events}
    # A request lost on the socket (connect, read, write, timeout) got no answer at all:
    # a sender retries it; it is reported, not counted as answered.
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if match:
        lost = sum(int(n) for n in match.groups())
        statuses["2xx"] -= lost
        statuses["socket errors (no answer)"] = lost
        print(out, file=sys.stderr)
    if refused:
        print(out, file=sys.stderr)
    return elapsed, latency("50%"), latency("99%"), statuses
