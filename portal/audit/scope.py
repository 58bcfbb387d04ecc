"""Marks the extent of a domain service, whose audit entries are written explicitly.

Inside `@audited_service` the service writes its own entries with the actor it was
given (`portal.audit.services.record_*`); the model-signal safety net
(`portal.audit.receivers`) stays silent there, so no entry is written twice and none
takes its actor from the request. Outside every service (Django's generic admin
pages, `django.contrib.auth`) the safety net records with the request's user.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")

_in_service: ContextVar[bool] = ContextVar("audit_in_service", default=False)


def in_service() -> bool:
    return _in_service.get()


def audited_service(func: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic` for a service that records its own audit entries."""
    atomic = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _in_service.set(True)
        try:
            return atomic(*args, **kwargs)
        finally:
            _in_service.reset(token)

    return wrapper
