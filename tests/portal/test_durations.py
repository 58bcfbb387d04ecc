"""Parsing and canonical text of playbook durations."""

from __future__ import annotations

import pytest

from portal.kernel.durations import Duration, DurationKind, DurationParseError, parse_duration

IMMEDIATE = Duration(DurationKind.IMMEDIATE)
SAME_DAY = Duration(DurationKind.SAME_DAY)
NEXT_BUSINESS_DAY = Duration(DurationKind.NEXT_BUSINESS_DAY)
NEXT_SPRINT = Duration(DurationKind.NEXT_SPRINT)


def minutes(amount: int) -> Duration:
    return Duration(DurationKind.MINUTES, amount)


# Every phrasing found in the real playbooks, plus the decorations the parser promises.
PLAYBOOK_PHRASINGS = [
    ("15 min", minutes(15)),
    ("15 mins", minutes(15)),
    ("15 minutes", minutes(15)),
    ("30 minutes", minutes(30)),
    ("5m", minutes(5)),
    ("30m", minutes(30)),
    ("< 5m", minutes(5)),
    ("< 30m", minutes(30)),
    ("1 hr", minutes(60)),
    ("4 hr", minutes(240)),
    ("4 hrs", minutes(240)),
    ("4 hours", minutes(240)),
    ("1 hour", minutes(60)),
    ("2h", minutes(120)),
    ("< 2h", minutes(120)),
    ("< 2 hours", minutes(120)),
    ("24h", minutes(24 * 60)),
    ("48h", minutes(48 * 60)),
    ("Within 48 hours", minutes(48 * 60)),
    ("72 hours", minutes(72 * 60)),
    ("1 day", minutes(24 * 60)),
    ("5d", minutes(5 * 24 * 60)),
    ("5 d", minutes(5 * 24 * 60)),
    ("5 days", minutes(5 * 24 * 60)),
    ("1 week", minutes(7 * 24 * 60)),
    ("2 weeks", minutes(14 * 24 * 60)),
    ("1 business day", Duration(DurationKind.BUSINESS_DAYS, 1)),
    ("3 business days", Duration(DurationKind.BUSINESS_DAYS, 3)),
    ("5 business days", Duration(DurationKind.BUSINESS_DAYS, 5)),
    ("8 business hours", Duration(DurationKind.BUSINESS_HOURS, 8 * 60)),
    ("Same day", SAME_DAY),
    ("Next business day", NEXT_BUSINESS_DAY),
    ("Next sprint", NEXT_SPRINT),
    ("Current or next sprint", NEXT_SPRINT),
    ("Immediate", IMMEDIATE),
    ("Immediately", IMMEDIATE),
    # The explicit bound wins over the vague "Immediate".
    ("Immediate - < 30 min", minutes(30)),
    # Decorations: case, whitespace, prefixes, trailing full stop, "of", decimals.
    ("  WITHIN 4 HOURS.  ", minutes(240)),
    ("<= 1 day", minutes(24 * 60)),
    ("≤ 15 min", minutes(15)),
    ("under 2h", minutes(120)),
    ("in 3 days", minutes(3 * 24 * 60)),
    ("within of 4 hours", minutes(240)),
    ("1.5 hr", minutes(90)),
]


@pytest.mark.parametrize(("text", "expected"), PLAYBOOK_PHRASINGS)
def test_playbook_phrasing_parses_and_round_trips(text: str, expected: Duration) -> None:
    # When the playbook text is parsed
    parsed = parse_duration(text)
    # Then it has the expected value, and its canonical text parses back to the same value
    assert parsed == expected
    assert parse_duration(str(parsed)) == parsed


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (IMMEDIATE, "Immediate"),
        (minutes(15), "15 min"),
        (minutes(90), "90 min"),
        (minutes(240), "4 hr"),
        (minutes(2 * 24 * 60), "2 d"),
        (Duration(DurationKind.BUSINESS_HOURS, 60), "1 business hour"),
        (Duration(DurationKind.BUSINESS_HOURS, 480), "8 business hours"),
        (Duration(DurationKind.BUSINESS_HOURS, 90), "90 business minutes"),
        (Duration(DurationKind.BUSINESS_DAYS, 1), "1 business day"),
        (Duration(DurationKind.BUSINESS_DAYS, 3), "3 business days"),
        (SAME_DAY, "Same day"),
        (NEXT_BUSINESS_DAY, "Next business day"),
        (NEXT_SPRINT, "Next sprint"),
    ],
)
def test_canonical_text(duration: Duration, text: str) -> None:
    assert str(duration) == text
    assert parse_duration(text) == duration


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "soon",
        "4",
        "hours",
        "4 parsecs",
        "0 min",
        "-5 min",
        "1.01 min",
        "1.5 business days",
        "5 hr - 4 hr",
        "next month",
    ],
)
def test_garbage_raises_with_helpful_message(text: str) -> None:
    with pytest.raises(DurationParseError, match="Could not understand duration") as caught:
        parse_duration(text)
    # The message must teach the reader what would have worked.
    assert "Examples" in str(caught.value)
    assert caught.value.text == text


def test_parse_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a known unit"):
        parse_duration("3 fortnights")


@pytest.mark.parametrize(
    ("duration", "is_business", "wall_minutes"),
    [
        (IMMEDIATE, False, 0),
        (minutes(45), False, 45),
        (NEXT_SPRINT, False, 14 * 24 * 60),
        (Duration(DurationKind.BUSINESS_HOURS, 480), True, None),
        (Duration(DurationKind.BUSINESS_DAYS, 2), True, None),
        (SAME_DAY, True, None),
        (NEXT_BUSINESS_DAY, True, None),
    ],
)
def test_business_flag_and_wall_minutes(
    duration: Duration, is_business: bool, wall_minutes: int | None
) -> None:
    assert duration.is_business is is_business
    assert duration.wall_minutes == wall_minutes


@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        (DurationKind.MINUTES, 0),
        (DurationKind.BUSINESS_DAYS, -1),
        (DurationKind.SAME_DAY, 5),
    ],
)
def test_inconsistent_amount_is_rejected(kind: DurationKind, amount: int) -> None:
    with pytest.raises(ValueError, match="amount"):
        Duration(kind, amount)


def test_kind_given_as_stored_string_is_normalised() -> None:
    # Given a duration rebuilt from stored JSON, where the kind is a plain string
    duration = Duration("business_days", 2)  # type: ignore[arg-type]
    # Then it equals the enum-built value and behaves the same
    assert duration == Duration(DurationKind.BUSINESS_DAYS, 2)
    assert duration.kind is DurationKind.BUSINESS_DAYS
