"""How much due work one pass claims, shared by every job that works through a backlog
(missed deadlines, escalation steps, outbox sends): `SWEEP_BATCH_SIZE` rows a batch,
at most `SWEEP_MAX_BATCHES` batches a pass; whatever is left waits for the next pass."""

from __future__ import annotations

from django.conf import settings


def batch_size() -> int:
    return settings.SWEEP_BATCH_SIZE


def max_batches() -> int:
    return settings.SWEEP_MAX_BATCHES
