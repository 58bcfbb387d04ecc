"""Only founders can leave a schedule with nobody on call.

A roster write (removing a rotation member, deleting an override, an admin inline
deleting members or overrides) that makes an hour of the next 14 days uncovered, an hour
someone covered before, is refused for everyone but a founder (a superuser or a member
of Founders) and the operator at the command line (a system actor: whoever has the
shell has the database). Seen: a staff user with no group and a Responder each removed
the founder from the only 24/7 rotation through the API, and `oncall now` said "nobody".

Every door goes through `coverage_kept`, around the write, inside its transaction: the
coverage is read before and after, and a refusal raises `DomainError`, which rolls the
write back. `would_uncover` runs a change in a savepoint and rolls it back, for forms
that must answer before they save (the admin's inlines).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from incidents.oncall.coverage import HOUR, Gap, coverage_gaps
from portal.audit.roles import FOUNDERS
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

HORIZON_DAYS = 14


def may_leave_uncovered(actor: Actor) -> bool:
    user = actor.user
    if user is None:
        return True  # the CLI's operator, the loader, the migration
    return bool(user.is_superuser or user.groups.filter(name=FOUNDERS).exists())


def _hours(gaps: list[Gap]) -> set[tuple[str, datetime.datetime]]:
    hours = set()
    for gap in gaps:
        at = gap.start
        while at < gap.end:
            hours.add((gap.schedule, at))
            at += HOUR
    return hours


def _newly_uncovered(before: list[Gap], after: list[Gap]) -> list[tuple[str, datetime.datetime]]:
    return sorted(_hours(after) - _hours(before), key=lambda h: (h[1], h[0]))


def _refusal(new: list[tuple[str, datetime.datetime]], field: str) -> DomainError:
    schedule, first = new[0]
    hours = sum(1 for s, _ in new if s == schedule)
    return DomainError(
        f"This would leave {schedule} with nobody on call from {first:%Y-%m-%d %H:%M}Z "
        f"({hours} h in the next {HORIZON_DAYS} days); only a founder may do that. "
        "Add someone first (a member or an override), or ask a founder.",
        field=field,
        code="forbidden",
    )


@contextmanager
def coverage_kept(actor: Actor, *, field: str) -> Iterator[None]:
    """Around a roster write, in its transaction: refuse it if it uncovers an hour."""
    if may_leave_uncovered(actor):
        yield
        return
    now = timezone.now()
    before = coverage_gaps(now, HORIZON_DAYS)
    yield
    new = _newly_uncovered(before, coverage_gaps(now, HORIZON_DAYS))
    if new:
        raise _refusal(new, field)


def would_uncover(actor: Actor, change: Callable[[], None], *, field: str) -> DomainError | None:
    """The refusal `change` would meet, found by running it in a savepoint rolled back."""
    if may_leave_uncovered(actor):
        return None
    now = timezone.now()
    before = coverage_gaps(now, HORIZON_DAYS)
    sid = transaction.savepoint()
    try:
        change()
        new = _newly_uncovered(before, coverage_gaps(now, HORIZON_DAYS))
    finally:
        transaction.savepoint_rollback(sid)
    return _refusal(new, field) if new else None
