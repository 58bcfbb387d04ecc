"""Customer-comms cells: "Status page + email within 60 min", "email if > 4hr"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from incidents.choices import CommsAnchor, CommsChannel
from portal.project.playbook_import.prose_durations import EMPTY_MARKS, read_duration

_CHANNELS: tuple[tuple[str, str], ...] = (
    (CommsChannel.STATUS_PAGE, r"status[\s-]?page"),
    (CommsChannel.EMAIL, r"e-?mails?"),
    (CommsChannel.IN_PRODUCT_BANNER, r"(?:in[\s-]?(?:product|app)\s+)?banner"),
    (CommsChannel.INTERNAL, r"internal|slack|announcement"),
)
_CONDITION = re.compile(r"\bif\s*(?:>|longer than|lasting more than|over)\s*(?P<d>.+)$")
_DEADLINE = re.compile(r"\bwithin\s+(?P<d>.+)$")


@dataclass
class CommsReading:
    requirements: list[dict[str, str]]
    problems: list[str]


def read_comms(cell: str) -> CommsReading:
    """Each `;`-separated clause names channels; `within X` and `if > X` apply to them all."""
    reading = CommsReading([], [])
    if cell.lower().rstrip(".") in EMPTY_MARKS:
        return reading
    for clause in re.split(r";", cell):
        clause = clause.strip()
        if not clause:
            continue
        lowered = clause.lower()
        fields: dict[str, str] = {}
        rest = lowered
        if (match := _CONDITION.search(rest)) is not None:
            duration = read_duration(match["d"])
            if duration.value is None:
                reading.problems.append(f"comms {clause!r}: condition not read: {duration.problem}")
                continue
            fields["only_if_longer_than"] = duration.value
            rest = rest[: match.start()]
        if (match := _DEADLINE.search(rest)) is not None:
            duration = read_duration(match["d"])
            if duration.value is None:
                reading.problems.append(f"comms {clause!r}: deadline not read: {duration.problem}")
                continue
            fields["deadline"] = duration.value
            rest = rest[: match.start()]
        if "after resolution" in lowered or "post-resolution" in lowered:
            fields["anchor"] = CommsAnchor.RESOLVED
        channels = []
        for channel, pattern in _CHANNELS:
            for found in re.finditer(pattern, rest):
                if not re.search(r"\bno\s+$", rest[: found.start()]):
                    channels.append(channel)
                    break
        negated = re.search(r"\bno\s+\S", rest) is not None
        if not channels and not negated:
            reading.problems.append(f"comms {clause!r}: no channel named (status page, email…)")
        for channel in channels:
            reading.requirements.append({"channel": channel, "note": clause[:200], **fields})
    return reading
