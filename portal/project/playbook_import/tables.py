"""Tables found in a document: GitHub-flavoured Markdown tables and HTML tables.

GFM tables in every valid form: with or without leading and trailing pipes, any
delimiter width (`|-|`, `:--`, `--:`, `:-:`), escaped pipes (`\\|`) inside cells,
inside block quotes. The header and delimiter rows must have the same number of
cells (the GFM rule); rows with fewer cells are padded, extra cells are reported.
One deliberate difference from GFM: a line without any pipe ends the table (GFM
would read it as a one-cell row), because pasted documents often lack the blank
line after a table and that line is never a severity level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from portal.project.playbook_import.document import Line, clean_inline


@dataclass
class Cell:
    line: int
    text: str  # cleaned of Markdown emphasis, code spans and HTML tags


@dataclass
class Table:
    line: int  # line of the header row
    form: str  # "Markdown table" or "HTML table"
    header: list[Cell]
    rows: list[list[Cell]]
    heading: str = ""  # the nearest heading (or title-like line) above it
    extra_cells: list[Cell] = field(default_factory=list)  # beyond the header's columns


_DELIMITER_CELL = re.compile(r"^\s*:?-+:?\s*$")
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")


def _unquote(text: str) -> str:
    return _QUOTE.sub("", text)


def split_row(text: str) -> list[str]:
    """A GFM row's raw cells: outer pipes optional, `\\|` does not split."""
    row = text.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)]


def _is_delimiter(text: str) -> bool:
    return "|" in text and all(_DELIMITER_CELL.match(c) for c in split_row(text))


def markdown_tables(lines: list[Line]) -> list[Table]:
    tables: list[Table] = []
    heading = ""
    index = 0
    while index < len(lines) - 1:
        text = _unquote(lines[index].text)
        if (match := _HEADING.match(text)) is not None:
            heading = clean_inline(match["text"]).rstrip("¶ ")
        elif text.strip() and "|" not in text and len(text.strip()) <= 80:
            # Rendered pages lose the '#': a short line standing alone is the best heading.
            heading = clean_inline(text).rstrip("¶ ")
        following = _unquote(lines[index + 1].text)
        if "|" in text and _is_delimiter(following):
            header_raw = split_row(text)
            if len(header_raw) == len(split_row(following)):
                table = Table(
                    line=lines[index].number,
                    form="Markdown table",
                    header=[Cell(lines[index].number, clean_inline(c)) for c in header_raw],
                    rows=[],
                    heading=heading,
                )
                index += 2
                while index < len(lines):
                    row_text = _unquote(lines[index].text)
                    if "|" not in row_text or not row_text.strip():
                        break
                    number = lines[index].number
                    raw = split_row(row_text)
                    width = len(table.header)
                    cells = [Cell(number, clean_inline(c)) for c in raw]
                    table.extra_cells += [c for c in cells[width:] if c.text]
                    table.rows.append(
                        cells[:width] + [Cell(number, "") for _ in range(width - len(cells))]
                    )
                    index += 1
                tables.append(table)
                continue
        index += 1
    return tables


@dataclass
class ListItem:
    line: int
    text: str  # cleaned
    group: int  # items of one list share a group


class _HtmlCollector(HTMLParser):
    """Collects <table>s (rows of th/td) and <li> items with their line numbers."""

    def __init__(self, line_numbers: list[int]) -> None:
        super().__init__(convert_charrefs=True)
        self.line_numbers = line_numbers
        self.tables: list[Table] = []
        self.items: list[ListItem] = []
        self._stack: list[tuple[Table, list[list[tuple[Cell, bool, int]]]]] = []
        self._cell: list[str] | None = None
        self._cell_meta: tuple[int, bool, int] = (0, False, 1)
        self._item: list[str] | None = None
        self._item_line = 0
        self._lists: list[int] = []
        self._list_count = 0
        self._heading: list[str] | None = None
        self._last_heading = ""

    def _line(self) -> int:
        row = self.getpos()[0] - 1
        return self.line_numbers[min(row, len(self.line_numbers) - 1)]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append((Table(self._line(), "HTML table", [], [], self._last_heading), []))
        elif tag == "tr" and self._stack:
            self._stack[-1][1].append([])
        elif tag in ("td", "th") and self._stack:
            span = dict(attrs).get("colspan") or "1"
            self._cell = []
            self._cell_meta = (self._line(), tag == "th", int(span) if span.isdigit() else 1)
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag in ("ul", "ol"):
            self._finish_item()
            self._list_count += 1
            self._lists.append(self._list_count)
        elif tag == "li":
            self._finish_item()
            self._item, self._item_line = [], self._line()
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._stack:
            line, is_header, span = self._cell_meta
            rows = self._stack[-1][1]
            if not rows:
                rows.append([])
            text = clean_inline("".join(self._cell))
            rows[-1].append((Cell(line, text), is_header, span))
            self._cell = None
        elif tag == "table" and self._stack:
            table, rows = self._stack.pop()
            self._finish_table(table, [r for r in rows if r])
        elif tag == "li":
            self._finish_item()
        elif tag in ("ul", "ol") and self._lists:
            self._finish_item()
            self._lists.pop()
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self._last_heading = clean_inline("".join(self._heading)).rstrip("¶ ")
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._item is not None:
            self._item.append(data)
        if self._heading is not None:
            self._heading.append(data)

    def _finish_item(self) -> None:
        if self._item is not None and self._lists:
            text = clean_inline("".join(self._item))
            if text:
                self.items.append(ListItem(self._item_line, text, -self._lists[-1]))
        self._item = None

    def _finish_table(self, table: Table, rows: list[list[tuple[Cell, bool, int]]]) -> None:
        if not rows:
            return

        def expand(row: list[tuple[Cell, bool, int]]) -> list[Cell]:
            cells: list[Cell] = []
            for cell, _, span in row:
                cells.append(cell)
                cells += [Cell(cell.line, "") for _ in range(span - 1)]
            return cells

        table.header = expand(rows[0])
        table.line = rows[0][0][0].line
        width = len(table.header)
        for row in rows[1:]:
            cells = expand(row)
            table.extra_cells += [c for c in cells[width:] if c.text]
            table.rows.append(cells[:width] + [Cell(row[0][0].line, "")] * (width - len(cells)))
        self.tables.append(table)


def html_blocks(lines: list[Line]) -> tuple[list[Table], list[ListItem]]:
    """HTML tables and list items, whether in a saved page or inline in Markdown."""
    collector = _HtmlCollector([line.number for line in lines] or [1])
    collector.feed("\n".join(line.text for line in lines))
    collector.close()
    return collector.tables, collector.items
