"""The engine's heartbeats: each loop says when it last completed a cycle.

Written to a cache shared by every process (`ENGINE_HEARTBEAT_CACHE_URL`, by default a
database table made by `manage.py createcachetable`), at most every
`HEARTBEAT_EVERY` seconds per loop, and read by `/api/health` and the operations
board: the paging engine is the one process whose silence nobody would otherwise notice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

LOOPS = ("opening", "escalation", "delivery")
HEARTBEAT_EVERY = 5.0  # seconds
_last_written: dict[str, float] = {}


def _key(loop: str) -> str:
    return f"engine:heartbeat:{loop}"


def beat(loop: str, *, now: float | None = None) -> None:
    """Note that `loop` completed a cycle (written at most every HEARTBEAT_EVERY s)."""
    now = time.time() if now is None else now
    if now - _last_written.get(loop, 0.0) < HEARTBEAT_EVERY:
        return
    _last_written[loop] = now  # also when the write fails: tried again in HEARTBEAT_EVERY
    caches["engine"].set(_key(loop), now, timeout=None)


@dataclass(frozen=True)
class EngineState:
    ok: bool
    words: str  # "" when ok
    silent_for: dict[str, float | None]  # seconds per loop, None: never seen


def engine_state(*, now: float | None = None) -> EngineState:
    now = time.time() if now is None else now
    stale = float(settings.ENGINE_STALE_SECONDS)
    beats = caches["engine"].get_many([_key(loop) for loop in LOOPS])
    silent: dict[str, float | None] = {}
    for loop in LOOPS:
        at = beats.get(_key(loop))
        silent[loop] = None if at is None else max(0.0, now - float(at))
    if all(value is None for value in silent.values()):
        return EngineState(
            False, "The paging engine has never run: nothing opens alerts or pages.", silent
        )
    problems = [
        f"its {loop} loop is silent for {int(value)} s"
        if value is not None
        else f"its {loop} loop has never run"
        for loop, value in silent.items()
        if value is None or value > stale
    ]
    if problems:
        return EngineState(False, "The paging engine is down: " + "; ".join(problems) + ".", silent)
    return EngineState(True, "", silent)
