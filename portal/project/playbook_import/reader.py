"""Find the severity levels in a document and read them into level dicts.

Every table and bulleted list is a candidate; each is scored on its content (rows
that start with level codes, a column or text that defines the levels, time
targets, a heading about severity) and the best one is read. The result says which
was taken and why, which were passed over, and lists every row, column and cell
that was not read, with its line number, so nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from portal.project.playbook_import.columns import (
    CODE_WITH_TEXT,
    DURATION_FIELDS,
    TEXT_LIMITS,
    code_number,
    column_concept,
    names_code,
)
from portal.project.playbook_import.comms import read_comms
from portal.project.playbook_import.document import Line, clean_inline, document_lines
from portal.project.playbook_import.lists import markdown_list_items
from portal.project.playbook_import.prose_durations import read_duration, read_targets
from portal.project.playbook_import.tables import ListItem, Table, html_blocks, markdown_tables

Level = dict[str, Any]
_SEVERITY_HEADING = re.compile(r"sev|severity|incident|classification|matrix|ladder", re.I)
_NAME_DASH = re.compile(r"^(?P<name>[A-Z][A-Za-z]{2,19})\s+[-–—:]\s+(?P<rest>.+)$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")
_TARGET_MARK = re.compile(r"\btargets?\s*:\s*", re.IGNORECASE)


@dataclass
class ImportResult:
    levels: list[Level] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not read, each "line N: …"
    notes: list[str] = field(default_factory=list)  # how something was read
    source: str = ""  # which table or list was taken, and why
    passed_over: list[str] = field(default_factory=list)


@dataclass
class _Candidate:
    form: str
    line: int
    heading: str
    score: int
    reasons: list[str]
    table: Table | None = None
    items: list[ListItem] = field(default_factory=list)
    code_index: int = 0

    def describe(self) -> str:
        where = f"{self.form} at line {self.line}"
        if self.heading:
            where += f" under {self.heading!r}"
        return f"{where} (score {self.score}: {'; '.join(self.reasons)})"


def read_severity_table(text: str) -> ImportResult:
    """The document's severity levels (table or list) and a report of what was not read."""
    lines, notes = document_lines(text)
    result = ImportResult(notes=list(notes))
    html_tables, html_items = html_blocks(lines)
    for table in html_tables:
        # An HTML table inside Markdown sits under a Markdown heading.
        table.heading = table.heading or _markdown_heading_above(lines, table.line)
    md_items, md_headings = markdown_list_items(lines)
    candidates = [c for t in markdown_tables(lines) + html_tables if (c := _score_table(t))]
    groups: dict[int, list[ListItem]] = {}
    for item in md_items + html_items:
        groups.setdefault(item.group, []).append(item)
    for group, items in groups.items():
        candidate = _score_list(items, md_headings.get(group, ""))
        if candidate is not None:
            candidates.append(candidate)
    if not candidates:
        result.problems.append(
            "No severity table or list was found: looked for Markdown and HTML tables and "
            "bulleted lists whose rows start with level codes such as SEV-1, S1 or P1."
        )
        return result
    candidates.sort(key=lambda c: (-c.score, c.line))
    chosen = candidates[0]
    result.source = f"Took the {chosen.describe()}."
    result.passed_over = [f"Passed over the {c.describe()}." for c in candidates[1:]]
    if chosen.table is not None:
        _read_table(chosen.table, chosen.code_index, result)
    else:
        _read_list(chosen.items, result)
    _rank(result)
    return result


def _markdown_heading_above(lines: list[Line], number: int) -> str:
    heading = ""
    for line in lines:
        if line.number >= number:
            break
        if (match := _MD_HEADING.match(line.text)) is not None:
            heading = clean_inline(match["text"])
    return heading


def _code_column(table: Table) -> tuple[int, int] | None:
    """(column, rows with a numbered code), or a code-named column of short words."""
    best: tuple[int, int] | None = None
    best_rank: tuple[int, bool] = (0, False)
    for index in range(len(table.header)):
        count = sum(1 for row in table.rows if CODE_WITH_TEXT.match(row[index].text))
        # On a tie, a column named after severity beats one named "Priority".
        rank = (count, "sev" in table.header[index].text.lower())
        if count and rank > best_rank:
            best, best_rank = (index, count), rank
    if best is not None and (best[1] >= 2 or names_code(table.header[best[0]].text)):
        return best
    for index, cell in enumerate(table.header):
        words = [row[index].text for row in table.rows if row[index].text]
        if names_code(cell.text) and len(words) >= 2 and all(len(w) <= 20 for w in words):
            return index, 0
    return None


def _score_table(table: Table) -> _Candidate | None:
    found = _code_column(table)
    if found is None or not table.rows:
        return None
    code_index, numbered = found
    code_header = table.header[code_index].text
    reasons: list[str] = []
    if numbered:
        codes = [r[code_index].text for r in table.rows if CODE_WITH_TEXT.match(r[code_index].text)]
        score = 3 * numbered
        reasons.append(f"{numbered} rows start with level codes ({codes[0]}…{codes[-1]})")
    else:
        score = len(table.rows)
        reasons.append(f"{len(table.rows)} named levels in column {code_header!r}")
    others = len(table.rows) - numbered if numbered else 0
    if others:
        score -= others
        reasons.append(f"{others} rows without a level code")
    concepts = [column_concept(c.text) for i, c in enumerate(table.header) if i != code_index]
    header_words = code_header.lower()
    if "sev" in header_words:
        score += 4
        reasons.append(f"column {code_header!r} names severity")
    elif "level" in header_words:
        score += 2
        reasons.append(f"column {code_header!r} names levels")
    defining = [
        c.text for c in table.header if column_concept(c.text) in ("definition", "examples")
    ]
    if defining:
        score += 3
        reasons.append(f"levels defined in {', '.join(repr(d) for d in defining)}")
    timed = [c for c in concepts if c in (*DURATION_FIELDS, "targets")]
    if timed:
        score += 2 * len(timed)
        reasons.append(f"{len(timed)} time-target columns")
    if table.heading and _SEVERITY_HEADING.search(table.heading):
        score += 3
        reasons.append("its heading is about severity")
    return _Candidate(
        table.form, table.line, table.heading, score, reasons, table=table, code_index=code_index
    )


def _score_list(items: list[ListItem], heading: str) -> _Candidate | None:
    coded = [i for i in items if CODE_WITH_TEXT.match(i.text)]
    if len(coded) < 2:
        return None
    score = 3 * len(coded) - (len(items) - len(coded))
    reasons = [f"{len(coded)} items start with level codes"]
    if len(items) > len(coded):
        reasons.append(f"{len(items) - len(coded)} items without a level code")
    with_targets = sum(1 for i in coded if _TARGET_MARK.search(i.text))
    if with_targets:
        score += 2 * with_targets
        reasons.append(f"{with_targets} items state targets")
    if heading and _SEVERITY_HEADING.search(heading):
        score += 3
        reasons.append("its heading is about severity")
    return _Candidate("list", items[0].line, heading, score, reasons, items=items)


def _split_code(text: str) -> tuple[str, str, str]:
    """(code, name in parentheses or after a dash, rest) of a code cell or list item."""
    match = CODE_WITH_TEXT.match(text)
    if match is None:
        return text, "", ""
    code = " ".join(match["code"].split())
    return code, (match["paren"] or "").strip(), match["rest"].strip()


def _accept_code(code: str, line: int, seen: dict[str, int], result: ImportResult) -> bool:
    if len(code) > TEXT_LIMITS["code"]:
        result.problems.append(
            f"line {line}: code {code!r} is longer than {TEXT_LIMITS['code']} characters; "
            "row not read"
        )
        return False
    if code.lower() in seen:
        result.problems.append(
            f"line {line}: code {code!r} repeats line {seen[code.lower()]}; row not read"
        )
        return False
    seen[code.lower()] = line
    return True


def _set_name(level: Level, name: str, line: int, result: ImportResult) -> None:
    if len(name) > TEXT_LIMITS["name"]:
        result.problems.append(
            f"line {line}: name {name!r} is longer than {TEXT_LIMITS['name']} characters; not read"
        )
    elif name:
        level["name"] = name


def _set_duration(
    level: Level, field_name: str, text: str, line: int, result: ImportResult
) -> None:
    reading = read_duration(text)
    if reading.value is not None:
        level[field_name] = reading.value
        if reading.note:
            result.notes.append(f"line {line}: {field_name}: {reading.note}")
    elif reading.problem:
        result.problems.append(f"line {line}: {field_name} {text!r}: {reading.problem}")


def _set_targets(level: Level, text: str, line: int, result: ImportResult) -> None:
    readings, refused = read_targets(text)
    for target in readings:
        if target.field in level:
            result.problems.append(
                f"line {line}: {target.field} {target.text!r}: already read; not read again"
            )
        else:
            _set_duration(
                level,
                target.field,
                target.text[len(target.text.split()[0]) :].strip(),
                line,
                result,
            )
    result.problems += [f"line {line}: target {r}; not read" for r in refused]


def _read_table(table: Table, code_index: int, result: ImportResult) -> None:
    columns: dict[int, str] = {}
    taken: dict[str, str] = {}
    for index, cell in enumerate(table.header):
        if index == code_index:
            continue
        concept = column_concept(cell.text)
        if concept is None:
            result.problems.append(
                f"line {cell.line}: column {cell.text!r} not read: no level field matches it"
            )
        elif concept in taken:
            result.problems.append(
                f"line {cell.line}: column {cell.text!r} not read: {concept} is already read "
                f"from column {taken[concept]!r}"
            )
        else:
            columns[index] = concept
            taken[concept] = cell.text
    for cell in table.extra_cells:
        result.problems.append(f"line {cell.line}: cell {cell.text!r} beyond the header not read")
    seen: dict[str, int] = {}
    for row in table.rows:
        line = row[code_index].line
        raw = row[code_index].text
        if not raw:
            if any(c.text for c in row):
                result.problems.append(f"line {line}: row without a level code not read")
            continue
        code, name, rest = _split_code(raw)
        if not _accept_code(code, line, seen, result):
            continue
        level: Level = {"code": code}
        if rest and not name:
            name = rest
        for index, cell in enumerate(row):
            if index == code_index or not cell.text:
                continue
            concept = columns.get(index)
            if concept is None:
                result.problems.append(
                    f"line {cell.line}: cell {cell.text!r} (column "
                    f"{table.header[index].text!r}) not read"
                )
            elif concept in DURATION_FIELDS:
                _set_duration(level, concept, cell.text, cell.line, result)
            elif concept == "targets":
                _set_targets(level, cell.text, cell.line, result)
            elif concept == "comms":
                comms = read_comms(cell.text)
                level["comms"] = comms.requirements
                result.problems += [f"line {cell.line}: {p}" for p in comms.problems]
            elif concept == "name":
                name = cell.text
            else:
                level[concept] = cell.text
        if not name and (match := _NAME_DASH.match(level.get("definition", ""))):
            name, level["definition"] = match["name"], match["rest"]
        _set_name(level, name, line, result)
        result.levels.append(level)


def _read_list(items: list[ListItem], result: ImportResult) -> None:
    seen: dict[str, int] = {}
    for item in items:
        if not CODE_WITH_TEXT.match(item.text):
            result.problems.append(f"line {item.line}: list item {item.text!r} not read")
            continue
        code, name, rest = _split_code(item.text)
        if not _accept_code(code, item.line, seen, result):
            continue
        level: Level = {"code": code}
        parts = _TARGET_MARK.split(rest, maxsplit=1)
        definition = parts[0].strip().rstrip(".").strip()
        if definition:
            level["definition"] = definition
        if len(parts) > 1:
            _set_targets(level, parts[1], item.line, result)
        _set_name(level, name, item.line, result)
        result.levels.append(level)


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
