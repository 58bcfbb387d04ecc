"""Find the severity levels in a document and read them into level dicts.

The document is parsed into a tree (`tree.py`); every block shaped like a set of
levels is a candidate (`shapes.py`): table rows, table columns, headings with their
sections, paragraphs or list items that start with level codes. Each candidate is
read (`levels.py`) and scored on what was read: codes, names, definitions, time
targets, a heading about severity. The best is taken; the result says which and
why, which were passed over, and lists every row, column, cell and line that was
not read, with its line number, so nothing is dropped silently. When nothing fits,
the problem names the blocks looked at and why each was rejected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from portal.project.playbook_import.codes import code_number
from portal.project.playbook_import.columns import DURATION_FIELDS
from portal.project.playbook_import.document import document_lines
from portal.project.playbook_import.levels import Level, Reading, read_entries
from portal.project.playbook_import.shapes import Candidate, Rejected, find_candidates
from portal.project.playbook_import.tree import parse_document

_SEVERITY_WORDS = ("sev", "incident", "classification", "matrix", "ladder")
_MAX_REJECTED = 8


@dataclass
class ImportResult:
    levels: list[Level] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not read, each "line N: …"
    notes: list[str] = field(default_factory=list)  # how something was read
    source: str = ""  # which table, list or headings were taken, and why
    passed_over: list[str] = field(default_factory=list)


@dataclass
class _Scored:
    candidate: Candidate
    reading: Reading
    score: int
    reasons: list[str]

    def describe(self) -> str:
        c = self.candidate
        where = f"{c.form} at line {c.line}"
        if c.heading:
            where += f" under {c.heading!r}"
        return f"{where} (score {self.score}: {'; '.join(self.reasons)})"


def read_severity_table(text: str) -> ImportResult:
    """The document's severity levels and a report of what was not read."""
    with _collector_paused():
        return _read(text)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the length of a read, then as it was.

    A read makes no reference cycles (trees of nodes and facts, lxml elements,
    strings): reference counting frees all of it, and the collector finds nothing.
    Its full passes over a heap that grows with the document took a fifth of the time
    of reading 1 MB.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(text: str) -> ImportResult:
    lines, notes = document_lines(text)
    result = ImportResult(notes=list(notes))
    found = find_candidates(parse_document(lines))
    scored = [s for c in found.candidates if (s := _score(c)) is not None]
    read = {id(s.candidate) for s in scored}
    rejected = found.rejected + [
        Rejected(c.form, c.line, c.heading, "too few levels with a code were read")
        for c in found.candidates
        if id(c) not in read
    ]
    if not scored:
        result.problems.append(_nothing_found(rejected))
        return result
    scored.sort(key=lambda s: (-s.score, s.candidate.line))
    chosen = scored[0]
    result.source = f"Took the {chosen.describe()}."
    result.passed_over = [f"Passed over the {s.describe()}." for s in scored[1:]]
    result.levels = chosen.reading.levels
    problems = chosen.candidate.problems + chosen.reading.problems
    result.problems += sorted(problems, key=_line_of)
    result.notes += chosen.candidate.notes + chosen.reading.notes
    _rank(result)
    return result


def _score(candidate: Candidate) -> _Scored | None:
    reading = read_entries(candidate.entries)
    levels = reading.levels
    numbered = [lv["code"] for lv in levels if code_number(lv["code"]) is not None]
    if len(levels) < candidate.min_levels:
        return None
    reasons: list[str] = []
    if numbered:
        reasons.append(f"{len(numbered)} levels with codes ({numbered[0]}…{numbered[-1]})")
    else:
        reasons.append(f"{len(levels)} named levels")
    score = 3 * len(numbered) + len(levels) - len(numbered)
    if candidate.uncoded:
        score -= candidate.uncoded
        reasons.append(f"{candidate.uncoded} without a level code")
    for key, label, weight in (
        ("name", "names", 1),
        ("definition", "definitions", 2),
    ):
        count = sum(1 for lv in levels if lv.get(key))
        if count:
            score += weight * min(count, len(levels))
            reasons.append(f"{count} {label}")
    targets = sum(1 for lv in levels for key in DURATION_FIELDS if lv.get(key))
    if targets:
        score += 2 * targets
        reasons.append(f"{targets} time targets")
    heading = candidate.heading.lower()
    if heading and any(word in heading for word in _SEVERITY_WORDS):
        score += 3
        reasons.append("its heading is about severity")
    return _Scored(candidate, reading, score, reasons)


def _line_of(problem: str) -> int:
    number = problem.removeprefix("line ").partition(":")[0]
    return int(number) if number.isdigit() else 0


def _nothing_found(rejected: list[Rejected]) -> str:
    message = (
        "No severity table or list was found: looked for tables (levels as rows or as "
        "columns), headings, paragraphs and list items that start with level codes such "
        "as SEV-1, S1 or P1."
    )
    if not rejected:
        return message + " The document has no table, list or heading with a level code."
    rejected.sort(key=lambda r: r.line)
    shown = [
        f"the {r.form} at line {r.line}"
        + (f" under {r.heading!r}" if r.heading else "")
        + f": {r.reason}"
        for r in rejected[:_MAX_REJECTED]
    ]
    more = len(rejected) - len(shown)
    return message + " Rejected: " + "; ".join(shown) + (f"; and {more} more." if more else ".")


def _rank(result: ImportResult) -> None:
    """Rank 1 = worst: by the codes' numbers when every code has a distinct one."""
    numbers = [code_number(level["code"]) for level in result.levels]
    order = list(range(len(result.levels)))
    if all(n is not None for n in numbers) and len(set(numbers)) == len(numbers):
        order.sort(key=lambda i: numbers[i] or 0)
        if order != sorted(order):
            result.notes.append("levels ranked by the numbers in their codes, not row order")
    result.levels = [result.levels[i] for i in order]
    for rank, level in enumerate(result.levels, start=1):
        level["rank"] = rank
