"""Durations inside prose: "Within 2 business hours of becoming aware", "< 2h", "15–30m".

A cell is read only when it names one duration (an "Immediate" beside an explicit
bound yields the bound, as `portal.kernel.durations.parse_duration` does). A range is read
as its upper bound, and the reading says so. Anything else is refused with the
reason: two different durations, or none, are never guessed between.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.kernel.durations import Duration, DurationKind, DurationParseError, parse_duration

MAX_STORED = 40  # DurationTextField's max_length

_UNIT = (
    r"(?:(?:business|working)\s+(?:minutes?|mins?|hours?|hrs?|days?)"
    r"|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|m|h|d|w)"
)
_NUMBER = r"\d+(?:\.\d+)?"
_RANGE_SEP = r"\s*(?:-|–|—|to)\s*"
# "15m–30m", "15-30 min", "1 to 2 business days", "2 business hours", "8 hrs", "<2h".
_MENTION = re.compile(
    rf"(?<![\w.])(?P<low>{_NUMBER})\s*(?:(?P<low_unit>{_UNIT}){_RANGE_SEP}(?P<high1>{_NUMBER})"
    rf"|{_RANGE_SEP}(?P<high2>{_NUMBER}))?\s*(?P<unit>{_UNIT})(?![\w])"
)
_PHRASE = re.compile(
    r"\b(?P<phrase>current or next sprint|next sprint|same (?:business |working )?day"
    r"|next (?:business|working) day|immediately|immediate)\b"
)
EMPTY_MARKS = frozenset({"", "-", "–", "—", "n/a", "na", "none", "no", "not applicable"})


@dataclass(frozen=True)
class DurationReading:
    """`value` is the text to store (None if nothing was read); `note`/`problem` say why."""

    value: str | None
    note: str = ""
    problem: str = ""


def _normalise_unit(unit: str) -> str:
    return " ".join(unit.split())


def _parses(text: str) -> bool:
    """Whether the whole cell is a duration the policy understands as written."""
    try:
        parse_duration(text)
    except DurationParseError:
        return False
    return True


def read_duration(cell: str) -> DurationReading:
    text = " ".join(cell.split())
    if text.lower().rstrip(".") in EMPTY_MARKS:
        return DurationReading(None)
    if _parses(text):
        if len(text) <= MAX_STORED:
            return DurationReading(text)
        return DurationReading(str(parse_duration(text)))
    lowered = text.lower()
    found: list[tuple[Duration, str]] = []
    for match in _MENTION.finditer(lowered):
        high = match["high1"] or match["high2"]
        unit = _normalise_unit(match["unit"])
        if match["low_unit"] and _normalise_unit(match["low_unit"]) != unit:
            low_duration = parse_duration(f"{match['low']} {_normalise_unit(match['low_unit'])}")
            high_duration = parse_duration(f"{high} {unit}")
            if high_duration.kind != low_duration.kind:
                return DurationReading(
                    None, problem=f"the range {match[0]!r} mixes business and wall-clock time"
                )
        try:
            duration = parse_duration(f"{high or match['low']} {unit}")
        except DurationParseError as exc:
            return DurationReading(None, problem=str(exc))
        found.append((duration, match[0]))
    for match in _PHRASE.finditer(lowered):
        found.append((parse_duration(match["phrase"]), match[0]))
    explicit = {d for d, _ in found if d.kind is not DurationKind.IMMEDIATE}
    if not found:
        return DurationReading(None, problem="no duration in it")
    if len(explicit) > 1:
        names = ", ".join(sorted({m for d, m in found if d in explicit}))
        return DurationReading(None, problem=f"it names more than one duration ({names})")
    duration = explicit.pop() if explicit else Duration(DurationKind.IMMEDIATE)
    mention = next(m for d, m in found if d == duration)
    whole = _MENTION.fullmatch(mention)
    if whole is not None and (whole["high1"] or whole["high2"]):
        return DurationReading(
            str(duration), note=f"the range {mention!r} is read as its bound {duration}"
        )
    return DurationReading(str(duration), note=f"read {mention!r} in the prose as {duration}")


_TARGET_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "ack_target",
        ("acknowledge", "acknowledged", "acknowledgement", "ack", "respond", "response"),
    ),
    ("mitigate_target", ("mitigate", "mitigated", "mitigation", "stabilise", "stabilize")),
    ("resolve_target", ("resolve", "resolved", "resolution", "fix", "restore", "recover")),
    ("update_cadence", ("update", "updates")),
    ("postmortem_due", ("postmortem", "post-mortem", "rca")),
)


@dataclass(frozen=True)
class TargetReading:
    field: str
    reading: DurationReading
    text: str


def read_targets(text: str) -> tuple[list[TargetReading], list[str]]:
    """Targets named by keyword: "acknowledge < 5m, mitigate < 30m, resolve < 2h".

    Each comma- or semicolon-separated part must start with its target's word; a
    part that does not ("plan fix in next sprint") is refused, not guessed.
    """
    readings: list[TargetReading] = []
    refused: list[str] = []
    for part in re.split(r"[,;]|\band\b", text.strip().rstrip(".")):
        part = part.strip()
        if not part:
            continue
        first = re.match(r"[a-z-]+", part.lower())
        target = None
        for name, words in _TARGET_WORDS:
            if first and first[0] in words:
                target = name
        if target is None:
            refused.append(f"{part!r} names no acknowledge, mitigate or resolve target")
            continue
        rest = part[first.end() :] if first else part
        readings.append(TargetReading(target, read_duration(rest.strip(" :")), part))
    return readings, refused
