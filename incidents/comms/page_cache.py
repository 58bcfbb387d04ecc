"""The public pages' cache: short TTL, dropped whenever comms or incidents change.

Keys carry a generation number; `invalidate()` bumps it at once and again after
the commit, so no reader keeps data from before the change for the TTL. Settings:
`STATUS_PAGE_CACHE_SECONDS` (default 30).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
_GENERATION_KEY = "comms:status:generation"


def ttl() -> int:
    return settings.STATUS_PAGE_CACHE_SECONDS


def _generation() -> int:
    value = cache.get(_GENERATION_KEY)
    if value is None:
        cache.add(_GENERATION_KEY, 1, timeout=None)
        value = cache.get(_GENERATION_KEY) or 1
    return int(value)


def _bump() -> None:
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.set(_GENERATION_KEY, 2, timeout=None)


def invalidate() -> None:
    """Drop every cached public page now and again once the transaction commits
    (a reader between the two may have cached the data from before the commit)."""
    _bump()
    transaction.on_commit(_bump)


def cached(name: str, build: Callable[[], T]) -> T:
    key = f"comms:status:{_generation()}:{name}"
    value: Any = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=ttl())
    return value


def on_incident_event(incident: Any, actor: Any) -> None:
    """Incident hook: a declaration, update, resolution… may change the public pages."""
    invalidate()
