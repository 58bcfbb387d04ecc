"""The public pages' cache: their data and their rendered answers, dropped whenever
comms or incidents change, else expired after STATUS_PAGE_CACHE_SECONDS (default 30).

It lives in the `status` cache (STATUS_CACHE_URL; a file cache under var/ by default)
so that every web worker, the task worker and the admin share it: the service that
publishes bumps the generation number, and every process reads the new one at once.
Keys carry the generation; `invalidate()` bumps it at once and again after the commit,
so no reader keeps data from before the change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
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
    copies: a token for `release_rendering`, or None when another process holds it.
    (The file cache's `add` is not atomic: two processes may both get it, rarely.)"""
    token = uuid.uuid4().hex
    return token if store().add(_RENDERING_KEY, token, timeout=RENDERING_LOCK_SECONDS) else None


def release_rendering(token: str) -> None:
    cache = store()
    if cache.get(_RENDERING_KEY) == token:
        cache.delete(_RENDERING_KEY)


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
