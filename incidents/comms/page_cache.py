"""The public pages' cache: their data and their rendered answers, dropped whenever
comms or incidents change, else expired after STATUS_PAGE_CACHE_SECONDS (default 30).

It lives in the `status` cache (STATUS_CACHE_URL; a file cache under var/ by default)
so that every web worker, the task worker and the admin share it: the service that
publishes bumps the generation number, and every process reads the new one at once.
Keys carry the generation; `invalidate()` bumps it at once and again after the commit,
so no reader keeps data from before the change.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.db import transaction

T = TypeVar("T")
_GENERATION_KEY = "comms:status:generation"


def store() -> BaseCache:
    return caches["status"]


def ttl() -> int:
    return settings.STATUS_PAGE_CACHE_SECONDS


def generation() -> int:
    cache = store()
    value = cache.get(_GENERATION_KEY)
    if value is None:
        cache.add(_GENERATION_KEY, 1, timeout=None)
        value = cache.get(_GENERATION_KEY) or 1
    return int(value)


def _bump() -> None:
    cache = store()
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.set(_GENERATION_KEY, 2, timeout=None)


def invalidate() -> None:
    """Drop every cached public page now and again once the transaction commits
    (a reader between the two may have cached the data from before the commit)."""
    _bump()
    transaction.on_commit(_bump)


def get(name: str) -> Any:
    return store().get(f"comms:status:{generation()}:{name}")


def set(name: str, value: Any, *, generation: int) -> None:  # noqa: A001 - the cache verb
    store().set(f"comms:status:{generation}:{name}", value, timeout=ttl())


def stale_seconds() -> int:
    """How long past its freshness a rendered page may still be answered while another
    process renders it again: what the pages tell a CDN (stale-while-revalidate)."""
    return ttl() + settings.STATUS_PAGE_STALE_SECONDS


def keep_last(name: str, value: Any) -> None:
    """Keep `value` as the last rendered copy of `name`, across generations."""
    store().set(f"comms:status:last:{name}", value, timeout=stale_seconds())


def last(name: str) -> Any:
    """The last rendered copy of `name` (any generation, at most `stale_seconds()` old)."""
    return store().get(f"comms:status:last:{name}")


_RENDERING_KEY = "comms:status:rendering"
# A render takes tens of milliseconds; a process killed while rendering frees it by then.
RENDERING_LOCK_SECONDS = 10


def claim_rendering() -> str | None:
    """The right to render a public page while the other processes answer their last
    copies: a token for `release_rendering`, or None when another process holds it."""
    token = uuid.uuid4().hex
    cache = store()
    if isinstance(cache, FileBasedCache):
        # Its `add` is a look then a write: at an expiry under a rush, every worker
        # misses within the same millisecond, and two got it at 2 of 4 expiries measured.
        return token if _claim_file(_lock_file(), token) else None
    return token if cache.add(_RENDERING_KEY, token, timeout=RENDERING_LOCK_SECONDS) else None


def release_rendering(token: str) -> None:
    cache = store()
    if isinstance(cache, FileBasedCache):
        lock = _lock_file()
        with contextlib.suppress(OSError):
            if lock.read_text() == token:
                lock.unlink()
    elif cache.get(_RENDERING_KEY) == token:
        cache.delete(_RENDERING_KEY)


def _lock_file() -> Path:
    """In the cache's folder (its LOCATION), not a `.djcache` file: the cache's culling
    and clear() leave it alone."""
    return Path(settings.CACHES["status"]["LOCATION"]).absolute() / "rendering.lock"


def _claim_file(lock: Path, token: str) -> bool:
    """Create `lock` holding `token`, atomically (O_EXCL); take over one left older than
    RENDERING_LOCK_SECONDS by a process that died while rendering."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                age = time.time() - lock.stat().st_mtime
            except FileNotFoundError:
                return False  # just released: the page is being stored
            if age < RENDERING_LOCK_SECONDS:
                return False
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as out:
            out.write(token)
        return True
    return False


def cached(name: str, build: Callable[[], T]) -> T:
    current = generation()
    value: Any = store().get(f"comms:status:{current}:{name}")
    if value is None:
        value = build()
        set(name, value, generation=current)
    return value


def on_incident_event(incident: Any, actor: Any) -> None:
    """Incident hook: a declaration, update, resolution… may change the public pages."""
    invalidate()
