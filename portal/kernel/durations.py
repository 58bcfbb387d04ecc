"""Durations as first-class values, parsed from incident-playbook phrasings.

Playbooks state response and resolution targets as free text ("Within 4 hours", "< 30m",
"1 business day", "Next sprint"). :func:`parse_duration` turns such text into a
:class:`Duration`, and ``str(duration)`` yields canonical text that parses back to an equal
value. Resolving a duration against a start instant is the job of
:mod:`portal.kernel.business_time`, which owns all calendar arithmetic; this module is pure data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR
SPRINT_MINUTES = 14 * MINUTES_PER_DAY


class DurationKind(StrEnum):
    """How a :class:`Duration` is measured; see ``portal.kernel.business_time.add_duration``."""

    IMMEDIATE = "immediate"
    MINUTES = "minutes"
    BUSINESS_HOURS = "business_hours"
    BUSINESS_DAYS = "business_days"
    SAME_DAY = "same_day"
    NEXT_BUSINESS_DAY = "next_business_day"
    NEXT_SPRINT = "next_sprint"


# Kinds whose meaning is fully given by the kind; they carry no amount.
_FIXED_KINDS = frozenset(
    {
        DurationKind.IMMEDIATE,
        DurationKind.SAME_DAY,
        DurationKind.NEXT_BUSINESS_DAY,
        DurationKind.NEXT_SPRINT,
    }
)
_BUSINESS_KINDS = frozenset(
    {
        DurationKind.BUSINESS_HOURS,
        DurationKind.BUSINESS_DAYS,
        DurationKind.SAME_DAY,
        DurationKind.NEXT_BUSINESS_DAY,
    }
)


@dataclass(frozen=True)
class Duration:
    """A target duration from a playbook.

    ``amount`` is wall-clock minutes for ``MINUTES``, working minutes for ``BUSINESS_HOURS``
    and working days for ``BUSINESS_DAYS``; it must be positive for those kinds and 0 for
    all others. ``kind`` may be given as its string value (e.g. when loaded from JSON).
    """

    kind: DurationKind
    amount: int = 0

    def __post_init__(self) -> None:
        # Accept the plain string value so stored/serialised durations rebuild without fuss.
        object.__setattr__(self, "kind", DurationKind(self.kind))
        if self.kind in _FIXED_KINDS:
            if self.amount != 0:
                raise ValueError(f"{self.kind} durations take no amount, got {self.amount}")
        elif self.amount <= 0:
            raise ValueError(f"{self.kind} durations need a positive amount, got {self.amount}")

    def __str__(self) -> str:
        """Canonical text; ``parse_duration(str(d)) == d`` for every valid duration."""
        amount = self.amount
        match self.kind:
            case DurationKind.IMMEDIATE:
                return "Immediate"
            case DurationKind.MINUTES:
                return _wall_clock_text(amount)
            case DurationKind.BUSINESS_HOURS:
                if amount % MINUTES_PER_HOUR == 0:
                    return _plural(amount // MINUTES_PER_HOUR, "business hour")
                return _plural(amount, "business minute")
            case DurationKind.BUSINESS_DAYS:
                return _plural(amount, "business day")
            case DurationKind.SAME_DAY:
                return "Same day"
            case DurationKind.NEXT_BUSINESS_DAY:
                return "Next business day"
            case DurationKind.NEXT_SPRINT:
                return "Next sprint"
        raise AssertionError(f"unhandled duration kind {self.kind!r}")  # pragma: no cover

    @property
    def is_business(self) -> bool:
        """True when the duration only counts working time of a business calendar."""
        return self.kind in _BUSINESS_KINDS

    @property
    def wall_minutes(self) -> int | None:
        """Elapsed minutes for calendar-independent kinds; None for business kinds."""
        match self.kind:
            case DurationKind.IMMEDIATE:
                return 0
            case DurationKind.MINUTES:
                return self.amount
            case DurationKind.NEXT_SPRINT:
                return SPRINT_MINUTES
        return None


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _wall_clock_text(minutes: int) -> str:
    if minutes % MINUTES_PER_DAY == 0:
        return f"{minutes // MINUTES_PER_DAY} d"
    if minutes % MINUTES_PER_HOUR == 0:
        return f"{minutes // MINUTES_PER_HOUR} hr"
    return f"{minutes} min"


class DurationParseError(ValueError):
    """Raised when playbook text is not a duration; ``text`` holds the offending input."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        super().__init__(
            f"Could not understand duration {text!r}: {reason}. Examples of accepted text: "
            "'15 min', '< 30m', 'Within 4 hours', '2 weeks', '8 business hours', "
            "'1 business day', 'Same day', 'Next business day', 'Next sprint', 'Immediate'."
        )


_PHRASES: dict[str, Duration] = {
    "immediate": Duration(DurationKind.IMMEDIATE),
    "immediately": Duration(DurationKind.IMMEDIATE),
    "same day": Duration(DurationKind.SAME_DAY),
    "same business day": Duration(DurationKind.SAME_DAY),
    "same working day": Duration(DurationKind.SAME_DAY),
    "next business day": Duration(DurationKind.NEXT_BUSINESS_DAY),
    "next working day": Duration(DurationKind.NEXT_BUSINESS_DAY),
    "next sprint": Duration(DurationKind.NEXT_SPRINT),
    # The product spec treats "current or next sprint" as the later bound.
    "current or next sprint": Duration(DurationKind.NEXT_SPRINT),
}


def _unit_table() -> dict[str, tuple[DurationKind, int]]:
    """Map each accepted unit spelling to (kind, amount per unit)."""
    groups: list[tuple[tuple[str, ...], DurationKind, int]] = [
        (("m", "min", "mins", "minute", "minutes"), DurationKind.MINUTES, 1),
        (("h", "hr", "hrs", "hour", "hours"), DurationKind.MINUTES, MINUTES_PER_HOUR),
        (("d", "day", "days"), DurationKind.MINUTES, MINUTES_PER_DAY),
        (("w", "wk", "wks", "week", "weeks"), DurationKind.MINUTES, 7 * MINUTES_PER_DAY),
    ]
    table = {
        spelling: (kind, factor) for spellings, kind, factor in groups for spelling in spellings
    }
    for qualifier in ("business", "working"):
        for spelling in ("min", "mins", "minute", "minutes"):
            table[f"{qualifier} {spelling}"] = (DurationKind.BUSINESS_HOURS, 1)
        for spelling in ("hr", "hrs", "hour", "hours"):
            table[f"{qualifier} {spelling}"] = (DurationKind.BUSINESS_HOURS, MINUTES_PER_HOUR)
        for spelling in ("day", "days"):
            table[f"{qualifier} {spelling}"] = (DurationKind.BUSINESS_DAYS, 1)
    return table


_UNITS = _unit_table()
_AMOUNT = re.compile(r"(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[a-z]+(?: [a-z]+)?)")
_PREFIX = re.compile(r"^(?:(?:within|under|in|of)\b|<=|≤|<)\s*")
_SUFFIX = re.compile(r"\s*\bof$")
# "Immediate - < 30 min": a dash with whitespace on at least one side separates alternatives,
# while "-5 min" stays one (invalid) phrase instead of silently losing its sign.
_ALTERNATIVES = re.compile(r"\s+[-–—]\s*|\s*[-–—]\s+")


def parse_duration(text: str) -> Duration:
    """Parse playbook duration text into a :class:`Duration`.

    Case and surrounding whitespace are ignored, as are leading "within", "under", "in",
    "of", "<", "<=", "≤", a trailing "of" and trailing full stops. Minutes, hours, days and
    weeks become wall-clock ``MINUTES``; decimals are allowed when they give whole minutes.
    In "Immediate - < 30 min" the explicit bound wins. Raises :class:`DurationParseError`
    for empty, unknown, zero or negative durations.
    """
    cleaned = " ".join(text.lower().split()).rstrip(". ")
    if not cleaned:
        raise DurationParseError(text, "it is empty")
    alternatives = [_parse_phrase(part, text) for part in _ALTERNATIVES.split(cleaned)]
    explicit = {d for d in alternatives if d.kind is not DurationKind.IMMEDIATE}
    if not explicit:
        return Duration(DurationKind.IMMEDIATE)
    if len(explicit) > 1:
        raise DurationParseError(text, "it names more than one explicit duration")
    return explicit.pop()


def _parse_phrase(phrase: str, original: str) -> Duration:
    phrase = _strip_decorations(phrase)
    if not phrase:
        raise DurationParseError(original, "a part of it is empty")
    if phrase in _PHRASES:
        return _PHRASES[phrase]
    if phrase.startswith(("-", "–", "—")):
        raise DurationParseError(original, "durations must be longer than zero")
    match = _AMOUNT.fullmatch(phrase)
    if match is None:
        raise DurationParseError(original, f"{phrase!r} is not a number with a unit")
    unit = _UNITS.get(match["unit"])
    if unit is None:
        raise DurationParseError(original, f"{match['unit']!r} is not a known unit")
    kind, factor = unit
    amount = Fraction(match["number"]) * factor
    if amount.denominator != 1:
        raise DurationParseError(original, "it is not a whole number of minutes or days")
    if amount <= 0:
        raise DurationParseError(original, "durations must be longer than zero")
    return Duration(kind, int(amount))


def _strip_decorations(phrase: str) -> str:
    # Prefixes can stack ("within < 4 hours"), so strip until nothing changes.
    while True:
        stripped = _SUFFIX.sub("", _PREFIX.sub("", phrase.strip())).strip()
        if stripped == phrase:
            return stripped
        phrase = stripped
