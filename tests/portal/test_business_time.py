"""Business-time arithmetic: weekends, holidays, time zones and daylight-saving changes.

Calendar dates used below (2026): Wed 14 Jan, Fri 16 Jan, Sat 17 Jan, Mon 19 Jan.
New York springs forward on Sun 8 Mar and falls back on Sun 1 Nov; Berlin springs forward
on Sun 29 Mar. In England 25 Dec (Fri) and 28 Dec (Mon, Boxing Day observed) are holidays.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from portal.kernel import business_time
from portal.kernel.business_time import BusinessCalendar, add_duration
from portal.kernel.durations import Duration, DurationKind

BERLIN = BusinessCalendar(time_zone="Europe/Berlin")
NEW_YORK = BusinessCalendar(time_zone="America/New_York")
ENGLAND = BusinessCalendar(
    time_zone="Europe/London", holiday_country="GB", holiday_subdivision="ENG"
)


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def berlin(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return local("Europe/Berlin", 2026, month, day, hour, minute)


def business_hours(hours: int) -> Duration:
    return Duration(DurationKind.BUSINESS_HOURS, hours * 60)


# --- business minutes -------------------------------------------------------------------


def test_business_hours_skip_the_weekend() -> None:
    # Given Friday 16:00 in Berlin
    start = berlin(1, 16, 16)
    # When two business hours are added
    due = add_duration(start, business_hours(2), BERLIN)
    # Then one hour is used on Friday and the other on Monday morning
    assert due == berlin(1, 19, 10)
    assert due.tzinfo is UTC


def test_deadline_that_fills_a_window_lands_on_its_end() -> None:
    assert BERLIN.add_business_minutes(berlin(1, 16, 16), 60) == berlin(1, 16, 17)


def test_business_minutes_from_outside_hours_start_at_next_opening() -> None:
    assert BERLIN.add_business_minutes(berlin(1, 17, 11), 30) == berlin(1, 19, 9, 30)


def test_business_hours_skip_public_holidays() -> None:
    # Given the holidays package's view of England's Christmas 2026
    assert ENGLAND.is_holiday(date(2026, 12, 25))
    assert ENGLAND.is_holiday(date(2026, 12, 28))  # Boxing Day (observed), Sat 26th moved
    # When two business hours are added on Thursday 24 Dec at 16:00
    due = ENGLAND.add_business_minutes(local("Europe/London", 2026, 12, 24, 16), 120)
    # Then Fri 25th, the weekend and Mon 28th are skipped
    assert due == utc(2026, 12, 29, 10)


def test_extra_holidays_are_not_working_days() -> None:
    calendar = BusinessCalendar(time_zone="Europe/Berlin", extra_holidays=(date(2026, 1, 19),))
    assert not calendar.is_working_day(date(2026, 1, 19))
    assert calendar.add_business_minutes(berlin(1, 16, 16), 120) == berlin(1, 20, 10)


def test_same_instant_resolves_per_calendar_time_zone() -> None:
    # Given 15:00 UTC on Wednesday: 16:00 in Berlin, 10:00 in New York
    start = utc(2026, 1, 14, 15)
    # When two business hours are added under each calendar
    # Then Berlin spills into Thursday morning while New York finishes the same day
    assert add_duration(start, business_hours(2), BERLIN) == utc(2026, 1, 15, 9)
    assert add_duration(start, business_hours(2), NEW_YORK) == utc(2026, 1, 14, 17)


@pytest.mark.parametrize(
    ("calendar", "start", "expected_utc"),
    [
        # New York: Fri 16:00 EST (UTC-5) -> Mon 10:00 EDT (UTC-4)
        (NEW_YORK, local("America/New_York", 2026, 3, 6, 16), utc(2026, 3, 9, 14)),
        # Berlin: Fri 16:00 CET (UTC+1) -> Mon 10:00 CEST (UTC+2)
        (BERLIN, berlin(3, 27, 16), utc(2026, 3, 30, 8)),
    ],
)
def test_business_hours_across_dst_change_keep_local_opening_hours(
    calendar: BusinessCalendar, start: datetime, expected_utc: datetime
) -> None:
    assert calendar.add_business_minutes(start, 120) == expected_utc


def test_window_spanning_dst_change_counts_elapsed_time() -> None:
    # Given a New York night shift 01:00-05:00 every day; on 8 Mar 02:00 does not exist
    calendar = BusinessCalendar(
        time_zone="America/New_York",
        working_days=tuple(range(7)),
        work_start=time(1, 0),
        work_end=time(5, 0),
    )
    # When measuring that whole shift
    minutes = calendar.business_minutes_between(
        local("America/New_York", 2026, 3, 8, 0), local("America/New_York", 2026, 3, 8, 6)
    )
    # Then only three real hours elapsed
    assert minutes == 180


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (berlin(1, 16, 16), berlin(1, 19, 10), 120),
        (berlin(1, 19, 10), berlin(1, 16, 16), -120),
        (berlin(1, 17, 10), berlin(1, 18, 10), 0),
        (berlin(3, 27, 9), berlin(3, 30, 17), 960),
        (berlin(1, 14, 12, 0), berlin(1, 14, 12, 0), 0),
    ],
)
def test_business_minutes_between(start: datetime, end: datetime, expected: int) -> None:
    assert BERLIN.business_minutes_between(start, end) == expected


def test_adding_then_measuring_business_minutes_round_trips() -> None:
    start = local("Europe/London", 2026, 12, 23, 15, 17)
    due = ENGLAND.add_business_minutes(start, 1000)
    assert ENGLAND.business_minutes_between(start, due) == 1000


# --- same day, next business day, business days ----------------------------------------------


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        (berlin(1, 14, 8), berlin(1, 14, 17)),  # before opening: today's close
        (berlin(1, 14, 12), berlin(1, 14, 17)),  # during hours: today's close
        (berlin(1, 14, 17), berlin(1, 15, 17)),  # at closing time: tomorrow's close
        (berlin(1, 14, 20), berlin(1, 15, 17)),  # evening: tomorrow's close
        (berlin(1, 17, 12), berlin(1, 19, 17)),  # Saturday: Monday's close
    ],
)
def test_same_day(declared: datetime, expected: datetime) -> None:
    assert add_duration(declared, Duration(DurationKind.SAME_DAY), BERLIN) == expected


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        (berlin(1, 16, 8), berlin(1, 19, 17)),  # Friday morning
        (berlin(1, 16, 23), berlin(1, 19, 17)),  # Friday night
        (berlin(1, 14, 8), berlin(1, 15, 17)),  # Wednesday before opening
    ],
)
def test_next_business_day(declared: datetime, expected: datetime) -> None:
    assert add_duration(declared, Duration(DurationKind.NEXT_BUSINESS_DAY), BERLIN) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (berlin(1, 16, 20), 1, berlin(1, 20, 9)),  # Friday evening clamps to Monday 09:00
        (berlin(1, 16, 11, 30), 3, berlin(1, 21, 11, 30)),  # wall time kept
        (berlin(1, 17, 12), 0, berlin(1, 19, 9)),  # zero days: just the next opening
    ],
)
def test_business_days(start: datetime, days: int, expected: datetime) -> None:
    assert BERLIN.add_business_days(start, days) == expected


def test_business_days_duration_from_friday_evening() -> None:
    # Given an incident declared Friday 20:00 with a "2 business days" target
    due = add_duration(berlin(1, 16, 20), Duration(DurationKind.BUSINESS_DAYS, 2), BERLIN)
    # Then the clock starts Monday 09:00 and the deadline is Wednesday 09:00
    assert due == berlin(1, 21, 9)


def test_business_days_keep_wall_time_across_dst() -> None:
    # Given Friday 10:00 EST in New York
    start = local("America/New_York", 2026, 3, 6, 10)
    # When one business day is added over the spring-forward weekend
    # Then it is Monday 10:00 EDT, i.e. one UTC hour earlier than a naive +72h
    assert NEW_YORK.add_business_days(start, 1) == utc(2026, 3, 9, 14)


@pytest.mark.parametrize(
    ("start", "expected_utc"),
    [
        # 02:30 does not exist on 8 Mar; fold=0 reads it with the pre-change offset (UTC-5)
        (local("America/New_York", 2026, 3, 7, 2, 30), utc(2026, 3, 8, 7, 30)),
        # 01:30 happens twice on 1 Nov; fold=0 picks the first, daylight-time one (UTC-4)
        (local("America/New_York", 2026, 10, 31, 1, 30), utc(2026, 11, 1, 5, 30)),
    ],
)
def test_business_days_resolve_dst_gap_and_fold(start: datetime, expected_utc: datetime) -> None:
    calendar = BusinessCalendar(
        time_zone="America/New_York",
        working_days=tuple(range(7)),
        work_start=time(1, 0),
        work_end=time(5, 0),
    )
    assert calendar.add_business_days(start, 1) == expected_utc


# --- wall-clock kinds, working moments -------------------------------------------------------


def test_immediate_returns_start_in_utc() -> None:
    start = berlin(1, 17, 3)  # Saturday night: the calendar must not matter
    due = add_duration(start, Duration(DurationKind.IMMEDIATE), BERLIN)
    assert due == start
    assert due.tzinfo is UTC


def test_wall_minutes_ignore_the_calendar() -> None:
    assert add_duration(berlin(1, 16, 16, 50), Duration(DurationKind.MINUTES, 30), BERLIN) == (
        berlin(1, 16, 17, 20)
    )


def test_next_sprint_is_fourteen_elapsed_days() -> None:
    due = add_duration(utc(2026, 3, 20, 12), Duration(DurationKind.NEXT_SPRINT), BERLIN)
    assert due == utc(2026, 4, 3, 12)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (berlin(1, 14, 9), True),
        (berlin(1, 14, 16, 59), True),
        (berlin(1, 14, 17), False),
        (berlin(1, 14, 8, 59), False),
        (berlin(1, 17, 12), False),
    ],
)
def test_is_working_moment(at: datetime, expected: bool) -> None:
    assert BERLIN.is_working_moment(at) is expected


def test_next_working_start_keeps_a_working_moment() -> None:
    assert BERLIN.next_working_start(berlin(1, 14, 10)) == berlin(1, 14, 10)
    assert BERLIN.next_working_start(berlin(1, 16, 18)) == berlin(1, 19, 9)


# --- contract violations ----------------------------------------------------------------------

NAIVE = datetime(2026, 1, 14, 12, 0)  # noqa: DTZ001 - deliberately naive

CALLS: list[Callable[[], object]] = [
    lambda: BERLIN.add_business_minutes(NAIVE, 10),
    lambda: BERLIN.add_business_days(NAIVE, 1),
    lambda: BERLIN.end_of_business_day(NAIVE),
    lambda: BERLIN.end_of_next_business_day(NAIVE),
    lambda: BERLIN.next_working_start(NAIVE),
    lambda: BERLIN.is_working_moment(NAIVE),
    lambda: BERLIN.business_minutes_between(NAIVE, berlin(1, 15, 12)),
    lambda: add_duration(NAIVE, Duration(DurationKind.IMMEDIATE), BERLIN),
]


@pytest.mark.parametrize("call", CALLS)
def test_naive_datetime_raises(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_negative_amounts_raise() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        BERLIN.add_business_minutes(berlin(1, 14, 10), -1)
    with pytest.raises(ValueError, match="must not be negative"):
        BERLIN.add_business_days(berlin(1, 14, 10), -1)


def test_search_for_a_working_day_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a Monday-only calendar and a search horizon shorter than a week
    monkeypatch.setattr(business_time, "MAX_SCAN_DAYS", 3)
    calendar = BusinessCalendar(working_days=(0,))
    # Then looking from a Tuesday gives up instead of spinning
    with pytest.raises(ValueError, match="No working day within 3 days"):
        calendar.next_working_start(utc(2026, 1, 13, 10))


def test_valid_calendar_has_no_problems() -> None:
    assert ENGLAND.validate() == []
    assert BusinessCalendar().validate() == []


@pytest.mark.parametrize(
    ("calendar", "expected_fragment"),
    [
        (BusinessCalendar(time_zone="Mars/Olympus"), "time_zone: unknown time zone 'Mars/Olympus'"),
        (BusinessCalendar(holiday_country="XX"), "holiday_country: unknown holiday country 'XX'"),
        (
            BusinessCalendar(holiday_country="GB", holiday_subdivision="XX"),
            "holiday_subdivision: unknown subdivision 'XX' for GB",
        ),
        (BusinessCalendar(holiday_subdivision="ENG"), "holiday_subdivision: requires"),
        (
            BusinessCalendar(work_start=time(17, 0), work_end=time(9, 0)),
            "work_end: 09:00:00 must be later than work_start 17:00:00",
        ),
        (BusinessCalendar(working_days=()), "working_days: at least one working day"),
        (BusinessCalendar(working_days=(0, 7)), "working_days: [7] are not weekdays"),
    ],
)
def test_validate_names_the_field(calendar: BusinessCalendar, expected_fragment: str) -> None:
    problems = calendar.validate()
    assert len(problems) == 1
    assert expected_fragment in problems[0]
    # And arithmetic refuses to run on a broken calendar
    with pytest.raises(ValueError, match="Invalid business calendar"):
        calendar.add_business_minutes(utc(2026, 1, 14, 10), 60)
