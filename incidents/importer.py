"""Read a severity table written in Markdown into a draft policy (SPEC §2).

Columns are recognised by their header words (Sev/Severity/Level, Name,
Definition/Description, Examples, MTTA/Response/Ack, Mitigate, MTTR/Resolve,
Customer comms). Cells that are not durations the portal can read are reported,
never guessed; the draft keeps what was read and its notes list the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction

from incidents.exceptions import DomainError
from incidents.models import Policy, PolicyVersion
from incidents.policies import build_version
from portal.actors import Actor
from portal.durations import DurationParseError, parse_duration

COLUMN_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("code", ("sev", "severity", "level", "priority")),
    ("ack_target", ("mtta", "response", "ack", "acknowledge")),
    ("mitigate_target", ("mitigate", "mttm")),
    ("resolve_target", ("mttr", "resolve", "resolution")),
    ("name", ("name",)),
    ("definition", ("definition", "description", "impact")),
    ("examples", ("example", "examples")),
    ("comms", ("comms", "communication", "customer")),
    ("who_is_paged", ("pages", "who", "joins")),
)
DURATION_COLUMNS = ("ack_target", "mitigate_target", "resolve_target")


@dataclass
class ImportResult:
    levels: list[dict[str, str | int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    return [c.strip().strip("*").strip() for c in line.strip().strip("|").split("|")]


def _column_for(header: str) -> str | None:
    words = set(re.findall(r"[a-z]+", header.lower()))
    for column, keys in COLUMN_WORDS:
        if words & set(keys):
            return column
    return None


def read_severity_table(markdown: str) -> ImportResult:
    """The first Markdown table whose header has a severity column, read into level dicts."""
    result = ImportResult()
    lines = markdown.splitlines()
    for index, line in enumerate(lines[:-1]):
        if "|" not in line or not re.match(r"^\s*\|?\s*:?-{3,}", lines[index + 1]):
            continue
        columns = [_column_for(h) for h in _cells(line)]
        if "code" not in columns:
            continue
        for row_number, row in enumerate(lines[index + 2 :], start=index + 3):
            if "|" not in row:
                break
            cells = _cells(row)
            level: dict[str, str | int] = {"rank": len(result.levels) + 1}
            for column, cell in zip(columns, cells, strict=False):
                if column is None or column == "comms":
                    if column == "comms" and cell and cell.lower() != "none":
                        result.problems.append(
                            f"line {row_number}: comms {cell!r} kept as a note; set channels by hand"
                        )
                    continue
                if column in DURATION_COLUMNS and cell:
                    try:
                        parse_duration(cell)
                    except DurationParseError as exc:
                        result.problems.append(f"line {row_number}: {column} {cell!r}: {exc}")
                        continue
                level[column] = cell
            if level.get("code"):
                result.levels.append(level)
        break
    if not result.levels:
        result.problems.append("No Markdown table with a severity column was found.")
    return result


@transaction.atomic
def import_markdown_policy(
    *, name: str, markdown: str, actor: Actor
) -> tuple[PolicyVersion, list[str]]:
    """A new draft version of policy `name` from the Markdown's severity table."""
    if not name.strip():
        raise DomainError("Name the policy.", field="name")
    result = read_severity_table(markdown)
    if not result.levels:
        raise DomainError(result.problems[0], field="file")
    policy, _ = Policy.objects.get_or_create(name=name.strip())
    notes = "Imported from Markdown."
    if result.problems:
        notes += " Not read:\n- " + "\n- ".join(result.problems)
    version = build_version(
        policy, {"calendar": {"notes": notes}, "levels": result.levels, "rules": []}
    )
    return version, result.problems
