"""The engine: a seconds-level cycle over everything that falls due, each job its owner's.

It lives on the top floor because it runs four owners' work and owns none of it:

- integrations: the incidents of alerts committed unopened
  (`incidents.integrations.opening.open_unopened_alerts`);
- on-call pages: due escalation steps (`incidents.oncall.paging.run_due_escalations`)
  and two-way providers' follow-ups (`portal.notifications.follow_up.poll_due`);
- the incidents core records newly missed deadlines
  (`incidents.missed_deadlines.record_missed_deadlines`);
- notifications deliver the outbox and release sends stuck past their timeout
  (`portal.notifications.outbox`).

`manage.py engine` runs three loops in one process, each with its own database
connection, every `ENGINE_INTERVAL_SECONDS` (default 1 s):

- the opening loop: the incident of each alert a request stored unopened (with
  `ALERT_OPENING=engine`, the default; else only those whose opener died), woken at
  once by the trigger's commit on PostgreSQL (LISTEN/NOTIFY) (`opening_cycle`);
- the escalation loop: due escalation steps, newly missed deadlines, messages stuck
  in "sending" past their send timeout (`escalation_cycle`);
- the delivery loop: due outbox messages (first sends and retries) handed to their
  provider, and due follow-ups checked for the recipient's reply (`delivery_cycle`),
  so a slow provider never delays an escalation step.

Exactly once with any number of engines (and the minute tasks, kept as a safety
net): escalations and deadlines are claimed with SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL (SQLite serialises writers), outbox messages with a conditional UPDATE
(pending → sending) that only one claimant wins, follow-ups likewise. An idle cycle is
six indexed queries: unopened alerts (partial index `alert_unopened`), escalations due (partial index `escalation_due`), deadlines due
(`due_at`), messages stuck in sending (`outbox_sending`), messages due (`outbox_due`)
and follow-ups due (`outbox_follow_up_due`).

The engine survives its database (issue 24): a cycle or a wait that fails (a
PostgreSQL restart, a failover, a pooler restart terminating its backends) closes the
loop's connection, waits a little (doubling up to `MAX_BACKOFF`) and reconnects on the
next cycle; the LISTEN is issued again on the new connection. Each loop writes a
heartbeat (`heartbeats.py`) that `/api/health` and the operations board read: an engine
silent for `ENGINE_STALE_SECONDS` is said, in words. A loop thread that dies anyway
(a bug outside the cycle) makes `manage.py engine` exit non-zero, so its supervisor
restarts it rather than leaving a process that pages half.
"""

from __future__ import annotations

import datetime
import logging
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from incidents.integrations.opening import (
    OPENING_GRACE,
    open_unopened_alerts,
    opens_in_engine,
    wait_for_unopened,
)
from incidents.missed_deadlines import record_missed_deadlines
from incidents.oncall.paging import run_due_escalations
from incidents.oncall.personal import send_due_personal_notifications
from incidents.oncall.services import first_steps_batched
from portal.audit.sealing import seal_pending, sealing_deferred
from portal.kernel.batches import batch_size, max_batches
from portal.notifications import outbox
from portal.notifications.follow_up import poll_due
from portal.project import heartbeats

logger = logging.getLogger("portal.project.engine")

SWITCH_INTERVAL = 0.0005  # seconds; CPython's default is 0.005
MAX_BACKOFF = 10.0  # seconds between attempts while the database is unreachable
STOP_POLL = 0.25  # seconds: the longest a signal-woken loop waits before checking stop()

# Incidents the opening loop declares before it pages their first steps together.
OPENING_CHUNK = 20


def interval() -> float:
    return settings.ENGINE_INTERVAL_SECONDS


def escalation_cycle(now: datetime.datetime | None = None) -> dict[str, int]:
    """Due escalation steps and deadline misses, in batches until none is left (or
    SWEEP_MAX_BATCHES), and stuck sends released."""
    now = now or timezone.now()
    size = batch_size()
    result = {"escalations": 0, "pages": 0, "missed_deadlines": 0, "released": 0}
    for _ in range(max_batches()):
        run = run_due_escalations(now=now, limit=size)
        result["escalations"] += run.escalations
        result["pages"] += run.pages
        if run.escalations < size:
            break
    # The later rules of pages still unanswered (SMS at +1, voice at +3…).
    result["personal"] = 0
    for _ in range(max_batches()):
        sent = sum(send_due_personal_notifications(now=now, limit=size).values())
        result["personal"] += sent
        if sent < size:
            break
    for _ in range(max_batches()):
        missed = record_missed_deadlines(now=now, limit=size)
        result["missed_deadlines"] += missed
        if missed < size:
            break
    result["released"] = outbox.release_stuck_messages(now)
    return result


def delivery_cycle(now: datetime.datetime | None = None) -> dict[str, int]:
    """Hand every due outbox message to its provider (claims make it once)."""
    now = now or timezone.now()
    ids = outbox.due_message_ids(now, limit=batch_size())
    done = outbox.deliver_outbox_messages(ids) if ids else {}
    # Two-way providers (an emergency push's receipt…): a reply there acknowledges here.
    follow_ups = poll_due(now, limit=batch_size())
    return {**done, **{f"follow_up_{k}": v for k, v in follow_ups.items()}}


def opening_cycle(now: datetime.datetime | None = None) -> dict[str, int]:
    """The incidents of alerts committed unopened: every one when the engine is the
    opener (`ALERT_OPENING=engine`), else those whose opener died (past the grace).

    In chunks of `OPENING_CHUNK`: each incident in its own transaction, then the chunk's
    first escalation steps in one run (`run_due_escalations`, constant queries per
    batch) and one audit seal. So a storm's declarations cost about a third less, and
    a first page waits for at most a chunk of declarations, not a whole batch."""
    grace = datetime.timedelta(0) if opens_in_engine() else OPENING_GRACE
    result = {"opened": 0, "first_pages": 0}
    for _ in range(max_batches() * max(1, batch_size() // OPENING_CHUNK)):
        with first_steps_batched() as first_steps, sealing_deferred():
            opened = open_unopened_alerts(
                now=now or timezone.now(), grace=grace, limit=OPENING_CHUNK
            )
            if first_steps:
                run = run_due_escalations(ids=first_steps, limit=len(first_steps))
                result["first_pages"] += run.pages
        if opened or first_steps:
            seal_pending(if_free=True)
        result["opened"] += opened
        if opened < OPENING_CHUNK:
            break
    return result


def run_cycle(now: datetime.datetime | None = None) -> dict[str, Any]:
    """One cycle of the three loops, in this thread (tests, `engine --once`)."""
    result: dict[str, Any] = opening_cycle(now)
    result.update(escalation_cycle(now))
    result["delivered"] = delivery_cycle(now)
    return result


class Engine:
    """The three loops as threads; `stop()` ends them after their current cycle.

    The opening loop is woken by a trigger's commit (PostgreSQL), and it wakes the
    delivery loop when it has paged first steps: a first page goes out right after its
    incident is declared, not at the delivery loop's next cycle."""

    def __init__(self, *, every: float | None = None) -> None:
        self.every = every if every is not None else interval()
        self.stopping = threading.Event()
        self.cycles = {"opening": 0, "escalation": 0, "delivery": 0}
        self.wakeups = {name: threading.Event() for name in self.cycles}
        self.errors = 0
        self.switch: threading.Thread | None = None
        if settings.DEADMAN_URL:
            self.switch = threading.Thread(target=self._dead_mans_switch, daemon=True)
        self.threads = [
            threading.Thread(
                target=self._loop,
                args=("opening", opening_cycle, wait_for_unopened),
                daemon=True,
            ),
            threading.Thread(target=self._loop, args=("escalation", escalation_cycle), daemon=True),
            threading.Thread(target=self._loop, args=("delivery", delivery_cycle), daemon=True),
        ]

    def _loop(self, name: str, cycle: Any, wait: Any = None) -> None:
        wakeup = self.wakeups[name]
        backoff = 0.0
        try:
            while not self.stopping.is_set():
                started = time.monotonic()
                close_old_connections()
                wakeup.clear()
                try:
                    done = cycle()
                    if any(done.values()):
                        logger.info("%s cycle: %s", name, done)
                    if done.get("first_pages"):
                        self.wakeups["delivery"].set()
                    backoff = 0.0
                except Exception:  # noqa: BLE001 - one bad cycle must not stop paging
                    backoff = self._failed(name, "cycle", backoff)
                    wakeup.wait(backoff)
                    continue
                try:
                    heartbeats.beat(name)
                except Exception:  # noqa: BLE001 - paging never waits on its own heartbeat
                    # (a missing cache table: `manage.py createcachetable`); the health
                    # check then says the engine is silent, which is what it can tell.
                    logger.warning("%s heartbeat not written", name, exc_info=True)
                self.cycles[name] += 1
                pause = max(0.0, self.every - (time.monotonic() - started))
                if wait is None:
                    wakeup.wait(pause)
                    continue
                # Woken by its own signal, in short waits so that `stop()` is prompt.
                deadline = time.monotonic() + self.every
                try:
                    while not self.stopping.is_set() and time.monotonic() < deadline:
                        if wait(min(STOP_POLL, max(0.0, deadline - time.monotonic()))):
                            break
                except Exception:  # noqa: BLE001 - the LISTEN connection was dropped
                    backoff = self._failed(name, "wait", backoff)
                    wakeup.wait(backoff)
        finally:
            connection.close()

    def _dead_mans_switch(self) -> None:
        """Ping DEADMAN_URL every DEADMAN_EVERY_SECONDS while the pager is healthy."""
        from portal.project.dead_mans_switch import ping_if_healthy

        try:
            while not self.stopping.is_set():
                close_old_connections()
                try:
                    ping_if_healthy()
                except Exception:  # noqa: BLE001 - a database blip: no ping, try again
                    logger.warning("dead man's switch check failed", exc_info=True)
                    connection.close()
                self.stopping.wait(settings.DEADMAN_EVERY_SECONDS)
        finally:
            connection.close()

    def _failed(self, name: str, what: str, backoff: float) -> float:
        """Log, drop the loop's connection (the next cycle reconnects) and back off."""
        self.errors += 1
        logger.exception("%s %s failed; reconnecting and retrying", name, what)
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail too
            logger.debug("closing the %s loop's connection failed", name, exc_info=True)
        return min(MAX_BACKOFF, max(self.every, backoff * 2 or 0.5))

    def dead_loops(self) -> list[str]:
        """Loops whose thread ended while the engine was not stopping."""
        if self.stopping.is_set():
            return []
        names = ("opening", "escalation", "delivery")
        dead = [n for n, t in zip(names, self.threads, strict=True) if not t.is_alive()]
        if self.switch is not None and not self.switch.is_alive():
            dead.append("dead man's switch")
        return dead

    def start(self) -> Engine:
        # The loops share one interpreter: while the opening loop declares a storm's
        # incidents (CPU), a loop waiting on the network (delivery) would get the GIL
        # back only every 5 ms per I/O call, and its cycle would stretch to seconds.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        for thread in self.threads:
            thread.start()
        if self.switch is not None:
            self.switch.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self.stopping.set()
        for wakeup in self.wakeups.values():
            wakeup.set()
        for thread in [*self.threads, *([self.switch] if self.switch else [])]:
            thread.join(timeout)
