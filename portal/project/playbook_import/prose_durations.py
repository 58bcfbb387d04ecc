"""Durations inside prose: "Within 2 business hours of becoming aware", "< 2h", "15–30m".

A text is read only when it names one duration (an "Immediate" beside an explicit
bound yields the bound, as `portal.kernel.durations.parse_duration` does). A range is
read as its upper bound, and the reading says so. Anything else is refused with the
reason: two different durations, or none, are never guessed between.

Qualifiers are kept: "4 hours (office hours)" is 4 business hours, "1 working day" a
business day; "20 minutes (office and out of hours)" stays wall-clock time. The text
is cut into words and numbers once and scanned left to right: no backtracking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from portal.kernel.durations import Duration, DurationKind, DurationParseError, parse_duration
from portal.project.playbook_import.columns import DURATION_FIELDS, concept_of

MAX_STORED = 40  # DurationTextField's max_length
_WHOLE_PARSE_LIMIT = 120  # longer text is prose: only its mentions are read

EMPTY_MARKS = frozenset({"", "-", "–", "—", "n/a", "na", "none", "no", "not applicable"})
_TOKEN = re.compile(r"\d{1,9}(?:\.\d{1,6})?|[a-z]{1,40}|\S")
_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
}
_QUALIFIERS = frozenset({"business", "working", "office"})
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_WORD_NUMBERS |= {"six": 6, "eight": 8, "ten": 10, "twelve": 12, "fifteen": 15, "thirty": 30}
# A word number counts only after these: "within an hour", not "24 hours a day".
_NUMBER_CONTEXT = frozenset({"within", "in", "under", "every", "each", "after", "than", "of"})
_NUMBER_CONTEXT |= {"<", "once", "twice", "per", ":"}
_EVERY = frozenset({"every", "each", "per"})
_EVERY_UNIT = {"hourly": "hours", "daily": "days", "weekly": "weeks"}
_RANGE = frozenset({"-", "–", "—", "to"})
# "Immediate" is a time when it stands alone or before these; "Immediate all-hands
# response" describes the response, not when it starts.
_IMMEDIATE_NOUNS = frozenset({"response", "ack", "acknowledgement", "action", "attention", "page"})
_WALL_CLOCK = (
    *("out of hours", "out-of-hours", "24/7", "24x7", "24 x 7", "around the clock"),
    *("calendar", "any time", "anytime", "outside"),
)
_BUSINESS = ("office hours", "business hours", "working hours", "in hours", "office-hours")


@dataclass(frozen=True)
class DurationReading:
    """`value` is the text to store (None if nothing was read); `note`/`problem` say why."""

    value: str | None
    note: str = ""
    problem: str = ""


@dataclass(frozen=True)
class _Mention:
    duration: Duration
    text: str
    is_range: bool = False


def _unit_duration(number: str, unit: str, qualifier: str) -> Duration:
    if qualifier and unit == "weeks":
        return parse_duration(f"{float(number) * 5:g} business days")
    spelled = {"minutes": "minutes", "hours": "hours", "days": "days", "weeks": "weeks"}[unit]
    return parse_duration(f"{number} {'business ' if qualifier else ''}{spelled}")


def _mentions(lowered: str) -> tuple[list[_Mention], list[str], list[str]]:
    """Durations named in the text, "Immediate …" phrases refused as descriptions, and
    ranges refused for mixing business and wall-clock time."""
    tokens = [(m[0], m.start(), m.end()) for m in _TOKEN.finditer(lowered)]
    words = [t[0] for t in tokens]
    found: list[_Mention] = []
    refused: list[str] = []
    mixed: list[str] = []
    index = 0

    def unit_at(at: int) -> tuple[str, str, int] | None:
        qualifier = ""
        if at < len(words) and words[at] in _QUALIFIERS:
            qualifier, at = words[at], at + 1
        if at < len(words) and words[at] in _UNITS:
            return qualifier, _UNITS[words[at]], at + 1
        return None

    while index < len(words):
        word = words[index]
        before = words[index - 1] if index else ""
        number = word if word[0].isdigit() else None
        if number is None and word in _WORD_NUMBERS and (index == 0 or before in _NUMBER_CONTEXT):
            number = str(_WORD_NUMBERS[word])
        if number is not None:
            low = unit_at(index + 1)
            after = low[2] if low else index + 1
            high = None
            if after + 1 < len(words) and words[after] in _RANGE and words[after + 1][0].isdigit():
                high, after = words[after + 1], after + 2
            unit = unit_at(after) if high else low
            if unit is not None:
                qualifier = unit[0] or (low[0] if low else "")
                try:
                    duration = _unit_duration(high or number, unit[1], qualifier)
                except (DurationParseError, ValueError):
                    index += 1
                    continue
                end = tokens[unit[2] - 1][2]
                if low and high and bool(low[0]) != bool(unit[0]):
                    span = lowered[tokens[index][1] : end]
                    mixed.append(f"the range {span!r} mixes business and wall-clock time")
                    index = unit[2]
                    continue
                found.append(_Mention(duration, lowered[tokens[index][1] : end], bool(high)))
                index = unit[2]
                continue
        elif word in _EVERY and (unit := unit_at(index + 1)) is not None:
            end = tokens[unit[2] - 1][2]
            duration = _unit_duration("1", unit[1], unit[0])
            found.append(_Mention(duration, lowered[tokens[index][1] : end]))
            index = unit[2]
            continue
        elif word in _EVERY_UNIT:
            found.append(_Mention(_unit_duration("1", _EVERY_UNIT[word], ""), word))
        elif phrase := _phrase(words, index):
            length, duration = phrase
            end = tokens[index + length - 1][2]
            found.append(_Mention(duration, lowered[tokens[index][1] : end]))
            index += length
            continue
        elif word in ("immediate", "immediately"):
            following = words[index + 1] if index + 1 < len(words) else ""
            if word == "immediately" or not following.isalpha() or following in _IMMEDIATE_NOUNS:
                found.append(_Mention(Duration(DurationKind.IMMEDIATE), word))
            else:
                end = lowered.find(" ", tokens[index + 1][1])
                refused.append(lowered[tokens[index][1] : end if end > 0 else len(lowered)])
        index += 1
    return found, refused, mixed


def _phrase(words: list[str], index: int) -> tuple[int, Duration] | None:
    """Named durations: "same day", "next working day", "(current or) next sprint"."""
    window = words[index : index + 4]
    for text, duration in (
        ("current or next sprint", DurationKind.NEXT_SPRINT),
        ("next sprint", DurationKind.NEXT_SPRINT),
        ("same business day", DurationKind.SAME_DAY),
        ("same working day", DurationKind.SAME_DAY),
        ("same day", DurationKind.SAME_DAY),
        ("next business day", DurationKind.NEXT_BUSINESS_DAY),
        ("next working day", DurationKind.NEXT_BUSINESS_DAY),
    ):
        parts = text.split()
        if window[: len(parts)] == parts:
            return len(parts), Duration(duration)
    if window[:2] in (["business", "day"], ["working", "day"]):
        return 2, Duration(DurationKind.BUSINESS_DAYS, 1)  # "within a working day"
    return None


def _as_business(duration: Duration) -> Duration:
    if duration.kind is not DurationKind.MINUTES:
        return duration
    if duration.amount % (24 * 60) == 0:
        return Duration(DurationKind.BUSINESS_DAYS, duration.amount // (24 * 60))
    return Duration(DurationKind.BUSINESS_HOURS, duration.amount)


def _qualifier(lowered: str, mentions: list[_Mention]) -> str:
    """The business-time qualifier the text adds to its wall-clock mentions, if any."""
    rest = lowered
    for mention in mentions:
        rest = rest.replace(mention.text, " ", 1)
    if any(mark in rest for mark in _WALL_CLOCK):
        return ""
    return next((mark for mark in _BUSINESS if mark in rest), "")


# Teams write the same few targets ("15 min", "1 hour") in cell after cell: read once.
@lru_cache(maxsize=4096)
def read_duration(cell: str) -> DurationReading:
    text = " ".join(cell.split())
    if text.lower().rstrip(".") in EMPTY_MARKS:
        return DurationReading(None)
    if len(text) <= _WHOLE_PARSE_LIMIT:
        try:
            whole = parse_duration(text)
        except DurationParseError:
            whole = None  # not a duration as a whole: read the prose for its mentions
        if whole is not None:
            stored = text.rstrip(". ")  # "Respond within 30 minutes." keeps no full stop
            return DurationReading(stored if len(stored) <= MAX_STORED else str(whole))
    lowered = text.lower()
    found, refused, mixed = _mentions(lowered)
    if mixed:
        return DurationReading(None, problem=mixed[0])
    qualifier = _qualifier(lowered, found)
    if qualifier:
        found = [_Mention(_as_business(m.duration), m.text, m.is_range) for m in found]
    explicit = {m.duration for m in found if m.duration.kind is not DurationKind.IMMEDIATE}
    if not found:
        if refused:
            return DurationReading(
                None, problem=f"{refused[0]!r} describes the response, not a time"
            )
        return DurationReading(None, problem="no duration in it")
    if len(explicit) > 1:
        names = ", ".join(sorted({m.text for m in found if m.duration in explicit}))
        return DurationReading(None, problem=f"it names more than one duration ({names})")
    duration = explicit.pop() if explicit else Duration(DurationKind.IMMEDIATE)
    mention = next(m for m in found if m.duration == duration)
    if mention.is_range:
        note = f"the range {mention.text!r} is read as its bound {duration}"
    else:
        note = f"read {mention.text!r} in the prose as {duration}"
    if qualifier:
        note += f" (business time: {qualifier!r})"
    return DurationReading(str(duration), note=note)


_SOFT_SEPARATOR = re.compile(r"(,| and )")


@dataclass(frozen=True)
class TargetReading:
    field: str
    reading: DurationReading
    text: str


def target_label(part: str) -> tuple[str | None, str]:
    """(the duration field a part names, the rest): "Start work & respond: 20 min"."""
    colon = part.find(":", 0, 80)
    if colon > 0:
        concept = concept_of(part[:colon])
        if concept in DURATION_FIELDS:
            return concept, part[colon + 1 :].strip()
    first = part.split(maxsplit=1)
    if first:
        concept = concept_of(first[0])
        if concept in DURATION_FIELDS:
            return concept, (first[1] if len(first) > 1 else "").strip(" :")
    return None, part


def split_parts(text: str) -> list[str]:
    """Lines and `;` clauses; `,` or "and" only where a target's word follows."""
    parts: list[str] = []
    for clause in text.replace(";", "\n").split("\n"):
        pieces = _SOFT_SEPARATOR.split(clause)
        current = pieces[0]
        for separator, piece in zip(pieces[1::2], pieces[2::2], strict=True):
            if current.strip() and target_label(piece.strip())[0] is not None:
                parts.append(current.strip().rstrip("."))
                current = piece
            else:
                current += separator + piece
        if current.strip():
            parts.append(current.strip().rstrip("."))
    return [p for p in parts if p]


def read_targets(text: str) -> tuple[list[TargetReading], list[str]]:
    """Targets named by keyword: "acknowledge < 5m, mitigate < 30m, resolve < 2h".

    Each part must start with its target's word, or name it before a colon; a part
    that does not ("plan fix in next sprint") is refused, not guessed.
    """
    readings: list[TargetReading] = []
    refused: list[str] = []
    for part in split_parts(text.strip().rstrip(".")):
        concept, rest = target_label(part)
        if concept is None:
            refused.append(f"{part!r} names no acknowledge, mitigate or resolve target")
            continue
        readings.append(TargetReading(concept, read_duration(rest), part))
    return readings, refused
