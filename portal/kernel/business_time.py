"""Business-time arithmetic: the one module that knows about working hours and holidays.

Every public function takes timezone-aware datetimes (naive ones raise ``ValueError``) and
returns aware datetimes in UTC. Working windows are defined in the calendar's local wall time
and converted with :mod:`zoneinfo`, so daylight-saving changes shift them correctly; elapsed
working time is always measured between real instants, never by subtracting wall clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from portal.kernel.durations import Duration, DurationKind

# Upper bound on consecutive non-working days before we decide the calendar has none at all;
# ten years comfortably covers any real holiday schedule.
MAX_SCAN_DAYS = 3660

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours in one time zone, minus public and extra holidays.

    ``working_days`` uses Monday=0 … Sunday=6. ``work_start``/``work_end`` are naive local wall
    times bounding one window per working day (``work_end`` must be after ``work_start``).
    ``holiday_country``/``holiday_subdivision`` are codes understood by the ``holidays``
    package; an empty country means no public holidays. Arithmetic methods raise
    ``ValueError`` when :meth:`validate` reports problems.
    """

    time_zone: str = "UTC"
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)
    holiday_country: str = ""
    holiday_subdivision: str = ""
    extra_holidays: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        # Callers building calendars from forms or JSON pass lists; tuples keep us hashable,
        # which the validation and holiday caches rely on.
        object.__setattr__(self, "working_days", tuple(self.working_days))
        object.__setattr__(self, "extra_holidays", tuple(self.extra_holidays))

    def validate(self) -> list[str]:
        """Return human-readable problems, each naming its field; empty when usable."""
        return list(_calendar_problems(self))

    def is_holiday(self, d: date) -> bool:
        """True if ``d`` is a public holiday of the configured region or an extra holiday."""
        self._zone()
        if d in self.extra_holidays:
            return True
        if not self.holiday_country:
            return False
        return d in _public_holidays(self.holiday_country, self.holiday_subdivision, d.year)

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is one of ``working_days`` and not a holiday."""
        return d.weekday() in self.working_days and not self.is_holiday(d)

    def is_working_moment(self, at: datetime) -> bool:
        """True if ``at`` lies in a working window ``[work_start, work_end)`` local time."""
        zone = self._zone()
        at_utc = _as_utc(at, "at")
        day = at_utc.astimezone(zone).date()
        if not self.is_working_day(day):
            return False
        start, end = self._window(zone, day)
        return start <= at_utc < end

    def next_working_start(self, at: datetime) -> datetime:
        """``at`` itself if it is a working moment, else the start of the next window."""
        zone = self._zone()
        at_utc = _as_utc(at, "at")
        start, _ = self._window_ending_after(zone, at_utc)
        return max(start, at_utc)

    def add_business_minutes(self, start: datetime, minutes: int) -> datetime:
        """The instant after ``minutes`` of working time counted from ``start``.

        Only time inside working windows is consumed; a deadline that uses up a window
        exactly lands on that window's end. ``minutes`` must be >= 0; 0 returns ``start``.
        """
        zone = self._zone()
        cursor = _as_utc(start, "start")
        if minutes < 0:
            raise ValueError(f"minutes must not be negative, got {minutes}")
        remaining = timedelta(minutes=minutes)
        if not remaining:
            return cursor
        while True:
            window_start, window_end = self._window_ending_after(zone, cursor)
            begin = max(window_start, cursor)
            available = window_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
            cursor = window_end

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """Move ``days`` working days forward from ``start``, keeping the local wall time.

        ``start`` is first clamped to :meth:`next_working_start`, so Friday 20:00 plus one
        business day is Tuesday at ``work_start``. A wall time that falls into a DST gap or
        fold on the target day is resolved by zoneinfo's normal (``fold=0``) rules.
        """
        zone = self._zone()
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        local = self.next_working_start(start).astimezone(zone)
        day = local.date()
        for _ in range(days):
            day = self._next_working_day(day + _ONE_DAY)
        wall = local.time().replace(fold=0)
        return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)

    def end_of_business_day(self, start: datetime) -> datetime:
        """End of the working window containing ``start``, or of the next window if ``start``
        is outside working hours (e.g. 08:00 -> today's end, 20:00 -> tomorrow's end)."""
        zone = self._zone()
        _, end = self._window_ending_after(zone, _as_utc(start, "start"))
        return end

    def end_of_next_business_day(self, start: datetime) -> datetime:
        """End of the first working day strictly after ``start``'s local date."""
        zone = self._zone()
        local_day = _as_utc(start, "start").astimezone(zone).date()
        _, end = self._window(zone, self._next_working_day(local_day + _ONE_DAY))
        return end

    def business_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole working minutes in ``[start, end)``; negative when ``end`` precedes ``start``."""
        zone = self._zone()
        start_utc, end_utc = _as_utc(start, "start"), _as_utc(end, "end")
        if end_utc < start_utc:
            return -self.business_minutes_between(end_utc, start_utc)
        total = timedelta()
        cursor = start_utc
        while cursor < end_utc:
            window_start, window_end = self._window_ending_after(zone, cursor)
            if window_start >= end_utc:
                break
            total += min(window_end, end_utc) - max(window_start, cursor)
            cursor = window_end
        return total // timedelta(minutes=1)

    def _zone(self) -> ZoneInfo:
        problems = _calendar_problems(self)
        if problems:
            raise ValueError("Invalid business calendar: " + " ".join(problems))
        return ZoneInfo(self.time_zone)

    def _window(self, zone: ZoneInfo, day: date) -> tuple[datetime, datetime]:
        """The working window of local ``day`` as UTC instants (``day`` is not checked)."""
        start = datetime.combine(day, self.work_start, tzinfo=zone)
        end = datetime.combine(day, self.work_end, tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def _next_working_day(self, day: date) -> date:
        """``day`` if it is a working day, else the first working day after it."""
        for offset in range(MAX_SCAN_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"No working day within {MAX_SCAN_DAYS} days after {day.isoformat()}")

    def _window_ending_after(self, zone: ZoneInfo, at_utc: datetime) -> tuple[datetime, datetime]:
        """The first working window whose end is strictly after ``at_utc``."""
        day = self._next_working_day(at_utc.astimezone(zone).date())
        start, end = self._window(zone, day)
        if at_utc < end:
            return start, end
        # Today's window has closed; any later local date closes after `at_utc`.
        return self._window(zone, self._next_working_day(day + _ONE_DAY))


def add_duration(start: datetime, duration: Duration, calendar: BusinessCalendar) -> datetime:
    """The deadline for ``duration`` counted from ``start``, as an aware UTC datetime.

    Wall-clock kinds add elapsed time and ignore the calendar; business kinds delegate to
    the matching :class:`BusinessCalendar` method.
    """
    start_utc = _as_utc(start, "start")
    match duration.kind:
        case DurationKind.BUSINESS_HOURS:
            return calendar.add_business_minutes(start_utc, duration.amount)
        case DurationKind.BUSINESS_DAYS:
            return calendar.add_business_days(start_utc, duration.amount)
        case DurationKind.SAME_DAY:
            return calendar.end_of_business_day(start_utc)
        case DurationKind.NEXT_BUSINESS_DAY:
            return calendar.end_of_next_business_day(start_utc)
    wall_minutes = duration.wall_minutes
    if wall_minutes is None:  # pragma: no cover - every business kind is handled above
        raise AssertionError(f"unhandled duration kind {duration.kind!r}")
    return start_utc + timedelta(minutes=wall_minutes)


def _as_utc(at: datetime, name: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {at.isoformat()}")
    return at.astimezone(UTC)


@lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    # The holidays package files observed days under the year they fall in, so keying by the
    # date's own year is enough; building the table is slow, hence the cache.
    table = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(table.keys())


@lru_cache(maxsize=256)
def _calendar_problems(calendar: BusinessCalendar) -> tuple[str, ...]:
    problems: list[str] = []
    try:
        ZoneInfo(calendar.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"time_zone: unknown time zone {calendar.time_zone!r}; "
            "use an IANA name such as 'Europe/Berlin'."
        )
    days = calendar.working_days
    if not days:
        problems.append("working_days: at least one working day is required (Monday=0).")
    invalid_days = [d for d in days if type(d) is not int or not 0 <= d <= 6]
    if invalid_days:
        problems.append(
            f"working_days: {invalid_days!r} are not weekdays; use 0 (Monday) to 6 (Sunday)."
        )
    for name in ("work_start", "work_end"):
        if getattr(calendar, name).tzinfo is not None:
            problems.append(f"{name}: must be a local wall time without tzinfo.")
    if calendar.work_end <= calendar.work_start:
        problems.append(
            f"work_end: {calendar.work_end.isoformat()} must be later than "
            f"work_start {calendar.work_start.isoformat()}."
        )
    problems.extend(_holiday_problems(calendar.holiday_country, calendar.holiday_subdivision))
    return tuple(problems)


def _holiday_problems(country: str, subdivision: str) -> list[str]:
    if not country:
        if subdivision:
            return ["holiday_subdivision: requires holiday_country to be set."]
        return []
    supported = holidays.list_supported_countries()
    if country not in supported:
        return [
            f"holiday_country: unknown holiday country {country!r}; "
            "use an ISO 3166 code such as 'GB' or 'DE'."
        ]
    if subdivision:
        try:
            holidays.country_holidays(country, subdiv=subdivision)
        except NotImplementedError:
            known = ", ".join(supported[country]) or "none"
            return [
                f"holiday_subdivision: unknown subdivision {subdivision!r} for {country}; "
                f"known subdivisions: {known}."
            ]
    return []
