"""A reporting period: whole UTC days, `start` inclusive, `end` inclusive (as people say it)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from portal.kernel.errors import DomainError

# How far ahead a period may reach: the on-call register plans that far at most, and
# the day after `date.max` does not exist (9999-12-31 broke a register mid-stream).
MAX_DAYS_AHEAD = 2 * 366


@dataclass(frozen=True)
class Period:
    first_day: datetime.date
    last_day: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime.combine(self.first_day, datetime.time(), tzinfo=datetime.UTC)

    @property
    def end(self) -> datetime.datetime:
        """Exclusive upper bound: midnight after the last day."""
        return self.start + datetime.timedelta(days=(self.last_day - self.first_day).days + 1)

    @property
    def label(self) -> str:
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"


def parse_day(value: str | None, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(f"not a date: {value!r} (use YYYY-MM-DD).", field=field) from None


def period_from(
    first: str | None, last: str | None, *, today: datetime.date | None = None
) -> Period:
    """Parse `from`/`to` (YYYY-MM-DD); defaults: the 90 days up to today."""
    today = today or datetime.datetime.now(datetime.UTC).date()
    last_day = parse_day(last, "to") or today
    first_day = parse_day(first, "from") or last_day - datetime.timedelta(days=89)
    if last_day > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(
            f"must be at most {MAX_DAYS_AHEAD} days after today ({today.isoformat()}).",
            field="to",
        )
    if first_day > last_day:
        raise DomainError("must not be after 'to'.", field="from")
    return Period(first_day, last_day)
