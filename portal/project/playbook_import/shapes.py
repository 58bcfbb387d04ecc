"""Where levels can be in the document tree, each shape turned into the same entries.

A level is a block that starts with a code, in one of these shapes:

- a table row (the code column is found by content, never by header alone);
- a table column (a transposed table: levels across, attributes down);
- a heading and its section ("## P1 – Critical" with prose, lists, a small table);
- a paragraph that starts with a code, and the blocks up to the next one;
- a list item, with what is nested under it.

Every shape yields `Entry`s: the text holding the code and the facts found with it,
each labelled by its column, row or "Label:". `levels.py` reads entries, whatever
their shape, and `reader.py` chooses between candidates by what was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.project.playbook_import.codes import match_code
from portal.project.playbook_import.columns import concept_of, names_code
from portal.project.playbook_import.tree import Node

_SHORT_HEADING = 80


@dataclass(slots=True)
class Fact:
    line: int
    label: str  # the column header, row label or "Label:" it was found under
    concept: str | None  # the level field the label names
    text: str
    origin: str  # column | row | label | under | prose | table
    label_line: int = 0  # where the column's header or the row's label is


@dataclass(slots=True)
class Entry:
    line: int
    code_text: str  # the cell, heading, paragraph line or item that starts with the code
    facts: list[Fact] = field(default_factory=list)
    rest_is: str = "name"  # what text after the code is: a name, or a definition


@dataclass
class Candidate:
    form: str  # "Markdown table", "HTML table (levels as columns)", "headings", "list"…
    line: int
    heading: str
    entries: list[Entry]
    problems: list[str] = field(default_factory=list)  # columns or rows not read
    notes: list[str] = field(default_factory=list)  # how the shape was read
    uncoded: int = 0  # rows, items or columns without a code
    # A lone level is read only from a table whose code column says what it holds.
    min_levels: int = 2


@dataclass
class Rejected:
    form: str
    line: int
    heading: str
    reason: str


@dataclass
class Found:
    candidates: list[Candidate] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def find_candidates(blocks: list[Node]) -> Found:
    found = Found()
    _walk(blocks, "", found)
    return found


def _walk(blocks: list[Node], heading: str, found: Found) -> None:
    _sections(blocks, heading, found)
    for block in blocks:
        if block.kind == "heading" or (
            block.kind == "paragraph"
            and len(block.text) <= _SHORT_HEADING
            and "\n" not in block.text
            and match_code(block.text) is None
        ):
            # Saved pages lose the '#': a short line standing alone is the best heading.
            heading = block.text
        elif block.kind == "table":
            _tables(block, heading, found)
        elif block.kind == "list":
            _list(block, heading, found)
            for item in block.children:
                _walk(item.children, heading, found)


# --- tables --------------------------------------------------------------------------


def _grid(table: Node) -> list[list[Node]]:
    """Rows of cells with spans laid out: a colspan leaves empty cells, a rowspan repeats."""
    grid: list[list[Node]] = []
    carried: dict[int, tuple[Node, int]] = {}
    for row in table.children:
        cells: list[Node] = []
        pending = [cell for cell in reversed(row.children) if cell.kind == "cell"]
        while pending or any(col >= len(cells) for col in carried):
            col = len(cells)
            if col in carried:
                cell, left = carried.pop(col)
                cells.append(Node("cell", row.line, cell.text))
                if left > 1:
                    carried[col] = (cell, left - 1)
                continue
            if not pending:
                cells.append(Node("cell", row.line, ""))
                continue
            cell = pending.pop()
            if cell.rowspan > 1:
                carried[col] = (cell, cell.rowspan - 1)
            cells.append(cell)
            cells += [Node("cell", cell.line, "") for _ in range(cell.colspan - 1)]
        grid.append(cells)
    return grid


def _form(table: Node) -> str:
    return "Markdown table" if table.markdown else "HTML table"


def _code_cells(cells: list[Node]) -> int:
    return sum(1 for cell in cells if cell.text and match_code(cell.text) is not None)


def _tables(table: Node, heading: str, found: Found) -> None:
    grid = _grid(table)
    if len(grid) < 2:
        found.rejected.append(Rejected(_form(table), table.line, heading, "it has one row"))
        return
    header, body = grid[0], grid[1:]
    width = len(header)
    before = len(found.candidates)
    column = _code_column(header, body)
    if column is not None:
        found.candidates.append(_by_rows(table, heading, header, body, column))
    code_row = next((i for i, row in enumerate(grid[:3]) if _code_cells(row[1:]) >= 2), None)
    if code_row is not None and (column is None or _code_cells(grid[code_row][1:]) > 1):
        found.candidates.append(_by_columns(table, heading, grid, code_row))
    if len(found.candidates) == before:
        headers = ", ".join(repr(c.text) for c in header[:6] if c.text)
        found.rejected.append(
            Rejected(
                _form(table),
                table.line,
                heading,
                f"no column or row holds level codes (columns {headers or 'unnamed'}, "
                f"{len(body)} rows, {width} columns)",
            )
        )


def _code_column(header: list[Node], body: list[list[Node]]) -> int | None:
    best: int | None = None
    best_rank: tuple[int, bool, bool] = (0, False, False)
    for index in range(len(header)):
        count = _code_cells([row[index] for row in body if index < len(row)])
        # On a tie, a column named after severity beats one named "Priority".
        rank = (count, "sev" in header[index].text.lower(), names_code(header[index].text))
        if count and rank > best_rank:
            best, best_rank = index, rank
    if best is not None and (best_rank[0] >= 2 or best_rank[2]):
        return best
    for index, cell in enumerate(header):
        words = [row[index].text for row in body if index < len(row) and row[index].text]
        if names_code(cell.text) and len(words) >= 2 and all(len(w) <= 20 for w in words):
            return index  # named levels ("Critical", "Major") in a "Severity" column
    return None


def _by_rows(
    table: Node, heading: str, header: list[Node], body: list[list[Node]], column: int
) -> Candidate:
    candidate = Candidate(_form(table), table.line, heading, [], min_levels=1)
    labels = [cell.text for cell in header]
    concepts: dict[int, str | None] = {i: concept_of(label) for i, label in enumerate(labels)}
    twin = _twin_code_column(body, column)
    if twin is not None:
        # "Priority 1" and "P1" in two columns: one level, written twice. The shorter
        # spelling is the code, the other its name, and the note says so.
        if sum(len(r[twin].text) for r in body) < sum(len(r[column].text) for r in body):
            column, twin = twin, column
        concepts[twin] = "name"
        candidate.notes.append(
            f"line {header[column].line}: columns {labels[column]!r} and {labels[twin]!r} "
            f"both hold level codes with the same numbers: took {labels[column]!r} "
            f"({body[0][column].text!r}) as the code and {labels[twin]!r} as the name"
        )
    for source_row in table.children[: len(body) + 1]:
        candidate.problems += [
            f"line {source_row.line}: cell {extra!r} beyond the header not read"
            for extra in _extra(source_row)
        ]
        cells = sum(c.colspan for c in source_row.children if c.kind == "cell")
        missing = source_row.missing or (0 if table.markdown else len(header) - cells)
        if missing > 0 and source_row is not table.children[0]:
            candidate.notes.append(
                f"line {source_row.line}: the row has {len(header) - missing} of "
                f"{len(header)} cells; the last {missing} read as empty"
            )
    for row in body:
        code = row[column]
        if not code.text:
            if any(cell.text for cell in row):
                candidate.problems.append(f"line {row[0].line}: row without a level code not read")
                candidate.uncoded += 1
            continue
        if match_code(code.text) is None and not names_code(header[column].text):
            candidate.uncoded += 1
        entry = Entry(code.line, code.text)
        for index, cell in enumerate(row):
            if index != column and index < len(header):
                entry.facts.append(
                    Fact(
                        cell.line,
                        labels[index],
                        concepts[index],
                        cell.text,
                        "column",
                        header[index].line,
                    )
                )
        candidate.entries.append(entry)
    return candidate


def _twin_code_column(body: list[list[Node]], column: int) -> int | None:
    """Another column whose every code has the number of this column's code in its row."""
    numbers = [match_code(row[column].text) for row in body]
    for index in range(len(body[0]) if body else 0):
        if index == column:
            continue
        twins = [match_code(row[index].text) if index < len(row) else None for row in body]
        if all(
            a is not None and b is not None and a.number == b.number and not b.rest
            for a, b in zip(numbers, twins, strict=True)
        ):
            return index
    return None


def _extra(row: Node) -> list[str]:
    return [cell.text for cell in row.children if cell.kind == "extra" and cell.text]


def _by_columns(table: Node, heading: str, grid: list[list[Node]], code_row: int) -> Candidate:
    candidate = Candidate(f"{_form(table)} (levels as columns)", table.line, heading, [])
    codes = grid[code_row]
    for index in range(1, len(codes)):
        if not codes[index].text:
            continue
        if match_code(codes[index].text) is None:
            candidate.uncoded += 1
            candidate.problems.append(
                f"line {codes[index].line}: column {codes[index].text!r} has no level code; "
                "not read"
            )
            continue
        entry = Entry(codes[index].line, codes[index].text)
        for row_index, row in enumerate(grid):
            if row_index == code_row or index >= len(row):
                continue
            label = row[0].text
            entry.facts.append(
                Fact(row[index].line, label, concept_of(label), row[index].text, "row", row[0].line)
            )
        candidate.entries.append(entry)
    return candidate


# --- lists ---------------------------------------------------------------------------


def _list(block: Node, heading: str, found: Found) -> None:
    coded = [item for item in block.children if match_code(item.text.split("\n")[0])]
    if len(coded) < 2:
        if coded:
            found.rejected.append(
                Rejected("list", block.line, heading, "only one item starts with a level code")
            )
        return
    candidate = Candidate("list", block.line, heading, [])
    for item in block.children:
        first, _, more = item.text.partition("\n")
        if match_code(first) is None:
            candidate.uncoded += 1
            candidate.problems.append(f"line {item.line}: list item {item.text!r} not read")
            continue
        entry = Entry(item.line, first, rest_is="definition")
        entry.facts = _lines_facts(more, item.line, None) + section_facts(item.children)
        candidate.entries.append(entry)
    found.candidates.append(candidate)


# --- headings and paragraphs that start with a code -------------------------------------


def _sections(blocks: list[Node], heading: str, found: Found) -> None:
    """Each run of headings (of one depth) or paragraphs starting with a code."""
    starts: dict[tuple[str, int], list[int]] = {}
    for index, block in enumerate(blocks):
        if block.kind in ("heading", "paragraph") and match_code(block.text.split("\n")[0]):
            starts.setdefault((block.kind, block.level), []).append(index)
    for (kind, level), indexes in starts.items():
        if len(indexes) < 2:
            continue
        first = blocks[indexes[0]]
        above = _heading_above(blocks, indexes[0], level if kind == "heading" else 7) or heading
        form = f"headings (level {level})" if kind == "heading" else "paragraphs"
        candidate = Candidate(form, first.line, above, [])
        for position, index in enumerate(indexes):
            end = indexes[position + 1] if position + 1 < len(indexes) else len(blocks)
            body: list[Node] = []
            for block in blocks[index + 1 : end]:
                if block.kind == "heading" and (kind == "paragraph" or block.level <= level):
                    break
                body.append(block)
            start = blocks[index]
            first_line, _, more = start.text.partition("\n")
            entry = Entry(start.line, first_line)
            entry.facts = _lines_facts(more, start.line, None) + section_facts(body)
            candidate.entries.append(entry)
        found.candidates.append(candidate)


def _heading_above(blocks: list[Node], index: int, level: int) -> str:
    for block in reversed(blocks[:index]):
        if block.kind == "heading" and block.level < level:
            return block.text
    return ""


def section_facts(blocks: list[Node], default: str | None = None) -> list[Fact]:
    """Facts in a level's section: "Label: value" lines, target sentences, prose."""
    facts: list[Fact] = []
    for block in blocks:
        if block.kind == "heading":
            default = concept_of(block.text)
        elif block.kind == "paragraph":
            facts += _lines_facts(block.text, block.line, default)
            last = block.text.rsplit("\n", 1)[-1]
            if last.endswith(":"):
                default = concept_of(last)  # "Targets:" then a list
        elif block.kind == "list":
            for item in block.children:
                facts += _lines_facts(item.text, item.line, default)
                label = concept_of(item.text) if item.text.endswith(":") else None
                facts += section_facts(item.children, label or default)
        elif block.kind == "table":
            for row in _grid(block):
                if len(row) == 2 and row[0].text:
                    label = row[0].text.rstrip(":")
                    facts.append(Fact(row[0].line, label, concept_of(label), row[1].text, "row"))
                elif any(cell.text for cell in row):
                    text = " | ".join(cell.text for cell in row)
                    facts.append(Fact(row[0].line, "", None, text, "table"))
    return facts


def _lines_facts(text: str, line: int, default: str | None) -> list[Fact]:
    facts: list[Fact] = []
    for part in text.split("\n"):
        part = part.strip()
        if not part:
            continue
        colon = part.find(":", 0, 60)
        label = part[:colon] if colon > 0 else ""
        concept = concept_of(label) if label and len(label.split()) <= 6 else None
        if concept is not None:
            value = part[colon + 1 :].strip()
            if value:
                facts.append(Fact(line, label, concept, value, "label"))
        elif part.endswith(":") and concept_of(part) is not None:
            continue  # a label for what follows, read by the caller
        elif default is not None:
            facts.append(Fact(line, "", default, part, "under"))
        else:
            facts.append(Fact(line, "", None, part, "prose"))
    return facts
