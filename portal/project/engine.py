"""The engine: a seconds-level cycle over everything that falls due, each job its owner's.

It lives on the top floor because it runs three owners' work and owns none of it:

- on-call pages: due escalation steps (`incidents.oncall.paging.run_due_escalations`)
  and Pushover receipts (`incidents.oncall.receipts.poll_receipts`);
- the incidents core records newly missed deadlines
  (`incidents.missed_deadlines.record_missed_deadlines`);
- notifications deliver the outbox and release sends stuck past their timeout
  (`portal.notifications.outbox`).

`manage.py engine` runs two loops in one process, each with its own database
connection, every `ENGINE_INTERVAL_SECONDS` (default 1 s):

- the escalation loop: due escalation steps, newly missed deadlines, messages stuck
  in "sending" past their send timeout (`escalation_cycle`);
- the delivery loop: due outbox messages (first sends and retries) handed to their
  provider, and due Pushover receipts polled for an acknowledgement (`delivery_cycle`),
  so a slow provider never delays an escalation step.

Exactly once with any number of engines (and the minute tasks, kept as a safety
net): escalations and deadlines are claimed with SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL (SQLite serialises writers), outbox messages with a conditional UPDATE
(pending → sending) that only one claimant wins, receipts likewise. An idle cycle is
five indexed queries: escalations due (partial index `escalation_due`), deadlines due
(`due_at`), messages stuck in sending (`outbox_sending`), messages due (`outbox_due`)
and receipts due (`outbox_receipt_due`).
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from incidents.missed_deadlines import record_missed_deadlines
from incidents.oncall.paging import run_due_escalations
from incidents.oncall.receipts import poll_receipts
from portal.batches import batch_size, max_batches
from portal.notifications import outbox

logger = logging.getLogger("portal.project.engine")


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
    # Pushover receipts of emergency pages: an acknowledgement there acknowledges here.
    receipts = poll_receipts(now, limit=batch_size())
    return {**done, **{f"receipt_{k}": v for k, v in receipts.items()}}


def run_cycle(now: datetime.datetime | None = None) -> dict[str, Any]:
    """One cycle of both loops, in this thread (tests, `engine --once`)."""
    result: dict[str, Any] = escalation_cycle(now)
    result["delivered"] = delivery_cycle(now)
    return result


class Engine:
    """The two loops as threads; `stop()` ends them after their current cycle."""

    def __init__(self, *, every: float | None = None) -> None:
        self.every = every if every is not None else interval()
        self.stopping = threading.Event()
        self.cycles = {"escalation": 0, "delivery": 0}
        self.errors = 0
        self.threads = [
            threading.Thread(target=self._loop, args=("escalation", escalation_cycle), daemon=True),
            threading.Thread(target=self._loop, args=("delivery", delivery_cycle), daemon=True),
        ]

    def _loop(self, name: str, cycle: Any) -> None:
        try:
            while not self.stopping.is_set():
                started = time.monotonic()
                close_old_connections()
                try:
                    done = cycle()
                    if any(done.values()):
                        logger.info("%s cycle: %s", name, done)
                except Exception:  # noqa: BLE001 - one bad cycle must not stop paging
                    self.errors += 1
                    logger.exception("%s cycle failed; retrying next cycle", name)
                self.cycles[name] += 1
                self.stopping.wait(max(0.0, self.every - (time.monotonic() - started)))
        finally:
            connection.close()

    def start(self) -> Engine:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout)
