"""Who is acting right now, for the audit recorder (which only sees model signals).

Three sources, most specific first:
1. `acting_as(actor)`: set explicitly by tasks and commands around their work.
2. The current web request (set by `AuditContextMiddleware`), read lazily: DRF
   authenticates inside the view, after the middleware ran, and then copies
   `user` and `auth` (the API token) onto the Django request, where we read them.
3. The process default: "cli" for management commands, "task" for the django-q
   cluster, "system" otherwise (decided once, from argv, in `default_label`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from portal.kernel.actors import Actor

_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)
_request: ContextVar[Any] = ContextVar("audit_request", default=None)


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


@contextlib.contextmanager
def serving(request: Any) -> Iterator[None]:
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def default_label(argv: list[str] | None = None) -> str:
    argv = sys.argv if argv is None else argv
    if len(argv) > 1 and argv[0].endswith("manage.py"):
        if argv[1] == "qcluster":
            return "task"
        if argv[1] not in ("runserver", "runportal"):
            return "cli"
    return "system"


_DEFAULT = default_label()


def current_actor() -> Actor:
    explicit = _actor.get()
    if explicit is not None:
        return explicit
    request = _request.get()
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return Actor.for_request(request)
        return Actor.system("anonymous")
    return Actor.system(_DEFAULT)


def current_ip() -> str | None:
    request = _request.get()
    return request.META.get("REMOTE_ADDR") if request is not None else None
