"""The document as a tree of blocks: headings, paragraphs, lists, tables.

Markdown is parsed by cmark-gfm (CommonMark with GFM tables, `cmark.py`) and rendered
to HTML; that HTML, HTML blocks inside the Markdown, or a saved web page, is parsed by
lxml (libxml2). Both parsers are linear in their input, and neither is a regular
expression, so emphasis left open, runs of `#` or of backticks cost no more than
ordinary text. Every block keeps the line number it has in the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from portal.project.playbook_import import cmark
from portal.project.playbook_import.document import Line, looks_like_html, prepare_markdown


@dataclass(slots=True)
class Node:
    kind: str  # heading | paragraph | list | item | table | row | cell
    line: int
    text: str = ""  # inline text; lines inside it are <br>, list items or paragraphs
    level: int = 0  # a heading's depth
    children: list[Node] = field(default_factory=list)
    header: bool = False  # a <th> cell
    colspan: int = 1
    rowspan: int = 1
    markdown: bool = False  # written in Markdown rather than HTML
    missing: int = 0  # a Markdown row's cells fewer than its header's


_SKIPPED = frozenset(
    {"script", "style", "head", "title", "template", "noscript", "svg", "pre", "nav", "aside"}
    | {"footer", "form", "button", "select", "textarea", "iframe", "object"}
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BREAKS = frozenset(
    {"br", "p", "div", "li", "tr", "ul", "ol", "table", "blockquote", "dd", "dt", "section"}
    | set(_HEADINGS)
)
_MAX_DEPTH = 64  # deeper block nesting is read as text: no recursion limit to reach
_MARKER = "L:"
_SOURCEPOS = "data-sourcepos"  # cmark's "3:1-5:12": first line, column, last line, column
# Read as no position, as markdown-it gave them none: a line rule or code block is never
# a block read, but its line would become that of text an HTML comment left after it.
_UNPLACED = frozenset({"hr", "pre"})
_MARKDOWN_READ = frozenset({"ul", "ol", "table"})  # read differently when written in Markdown


def parse_document(lines: list[Line]) -> list[Node]:
    """The document's blocks in order; containers (div, section, quote) are flattened."""
    numbers = [line.number for line in lines] or [1]
    markdown = not looks_like_html(lines)
    if not markdown:
        markup = "\n".join(line.text for line in lines).encode("utf-8")
    else:
        lines = prepare_markdown(lines)
        numbers = [line.number for line in lines] or [1]
        markup = b"<html><body>\n" + _render_markdown("\n".join(line.text for line in lines))
    # etree's HTML parser rather than lxml.html's: the same libxml2 parse, without a
    # Python class lookup for each element the tree is read through.
    root = etree.fromstring(markup, etree.HTMLParser(encoding="utf-8"))
    if root is None:  # nothing but blanks or comments
        return []
    places = _number_elements(root, numbers, markdown=markdown)
    body = root.find("body")
    blocks = _blocks(body if body is not None else root, 0, places)
    _mark_extra_cells(blocks, {line.number: line.text for line in lines})
    return blocks


def _mark_extra_cells(blocks: list[Node], texts: dict[int, str]) -> None:
    """GFM drops cells beyond the header's; they are kept as "extra" to be reported."""
    pending = list(blocks)
    while pending:
        block = pending.pop()
        pending += block.children
        if block.kind != "table" or not block.markdown:
            continue
        for row in block.children:
            raw = split_row(texts.get(row.line, ""))
            row.missing = max(0, len(row.children) - len(raw))
            row.children += [
                Node("extra", row.line, text.strip(" *_`")) for text in raw[len(row.children) :]
            ]


def split_row(text: str) -> list[str]:
    """A GFM row's raw cells: quote marks and outer pipes dropped, `\\|` does not split."""
    row = text.strip().lstrip(">").strip()
    cells: list[str] = []
    if "\\" not in row:  # nothing escaped: every pipe splits
        cells = [cell.strip() for cell in row.split("|")]
    else:
        current: list[str] = []
        escaped = False
        for char in row:
            if char == "|" and not escaped:
                cells.append("".join(current).strip())
                current = []
            else:
                current.append(char)
            escaped = char == "\\" and not escaped
        cells.append("".join(current).strip())
    if row.startswith("|"):
        cells = cells[1:]
    if row.endswith("|") and not row.endswith("\\|") and cells:
        cells = cells[:-1]
    return cells


def _render_markdown(text: str) -> bytes:
    # The HTML parser counts lines in the rendered page; this marker ties an HTML
    # block's lines back to the line the block starts on in the input.
    return cmark.to_html(text, lambda line: f"<!--{_MARKER}{line}-->")


@dataclass
class _Places:
    """Each element's input line, and the lists and tables cmark wrote (Markdown ones).

    Kept beside the tree rather than in attributes: libxml2 would make three objects
    for each attribute set, to be read back and parsed, and freed with the tree.
    """

    lines: dict[etree._Element, int] = field(default_factory=dict)
    markdown: set[etree._Element] = field(default_factory=set)

    def line(self, element: etree._Element) -> int:
        return self.lines.get(element, 1)


def _number_elements(root: etree._Element, numbers: list[int], *, markdown: bool) -> _Places:
    """Each element's input line: from cmark's position, or a marker's offset.

    A saved page has no element cmark wrote, whatever its attributes say: only the
    Markdown renderer's positions are taken.
    """
    places = _Places()
    lines = places.lines
    last = len(numbers) - 1
    md_index: int | None = None
    marker: tuple[int, int] = (0, 1)  # (input index, rendered line) of the last HTML block
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str):
            text = (element.text or "") if tag is etree.Comment else ""
            if text.startswith(_MARKER) and text[len(_MARKER) :].isdigit():
                marker, md_index = (int(text[len(_MARKER) :]), element.sourceline or 1), None
            continue
        source = element.get(_SOURCEPOS) if markdown else None
        if source is not None:
            start = source[: source.find(":")]
            if tag == "table" or start == "0" or tag in _UNPLACED:
                position = _misplaced(element, source)
            else:
                position = int(start) - 1 if start.isdigit() else None
            if position is not None:
                md_index = position
                lines[element] = numbers[max(0, min(position, last))]
                if tag in _MARKDOWN_READ:
                    places.markdown.add(element)
                continue
        if md_index is not None:
            index = md_index  # inline HTML inside a Markdown block: that block's line
        else:
            index = marker[0] + (element.sourceline or 1) - marker[1]
        lines[element] = numbers[max(0, min(index, last))]
    return places


def _misplaced(element: etree._Element, source: str) -> int | None:
    """The input index of a line cmark-gfm gives wrong, or none for a rule or code block.

    cmark-gfm misplaces a table that interrupts a paragraph ("Severity levels" on the
    line above the header row, or a list item's text): the paragraph before the header
    row gets no position (0:0), the table and its header row the paragraph's first
    line. A table's last line is right, and its rows are consecutive lines (header,
    delimiter, body): the header row is as many lines above the last as there are rows.
    """
    if element.tag in _UNPLACED:
        return None
    first, _, last = source.partition("-")
    start, end = first.partition(":")[0], last.partition(":")[0]
    if element.tag == "table":
        rows = [row for part in element for row in part if row.tag == "tr"]
        if rows and end.isdigit():
            header = int(end) - len(rows)
            for cell in (rows[0], *rows[0]):
                cell.set(_SOURCEPOS, f"{header}:1-{header}:1")
            return header - 1
    if start == "0":
        # The paragraph cut off by a table: it starts where cmark says the table does.
        table = next(element.itersiblings("table"), None)
        start = (table.get(_SOURCEPOS) or "").partition(":")[0] if table is not None else ""
    return int(start) - 1 if start.isdigit() and start != "0" else None


def _tag(element: etree._Element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _blocks(container: etree._Element, depth: int, places: _Places) -> list[Node]:
    out: list[Node] = []
    inline: list[str] = [container.text or ""]
    inline_line = places.line(container)

    def flush() -> None:
        text = _clean("".join(inline))
        if text:
            out.append(Node("paragraph", inline_line, text))
        inline.clear()

    for child in container:
        tag = _tag(child)
        if tag in _SKIPPED or not tag:
            inline.append(child.tail or "")
            continue
        if tag == "br":
            inline.append("\n" + (child.tail or ""))
            continue
        if tag in _BLOCK_READERS or tag in _CONTAINERS:
            flush()
            if tag in _CONTAINERS and depth < _MAX_DEPTH:
                out += _blocks(child, depth + 1, places)
            elif tag in _CONTAINERS:
                out.append(Node("paragraph", places.line(child), _inline_text(child)))
            else:
                out += _BLOCK_READERS[tag](child, depth, places)
            inline_line = places.line(child)
            inline.append(child.tail or "")
        else:
            if not "".join(inline).strip():
                inline_line = places.line(child)
            inline.append(_inline_text(child, clean=False) + (child.tail or ""))
    flush()
    return [node for node in out if node.text or node.children]


def _heading(element: etree._Element, _depth: int, places: _Places) -> list[Node]:
    text = _inline_text(element).replace("\n", " ").rstrip("¶ ")
    return [Node("heading", places.line(element), text, level=_HEADINGS[_tag(element)])]


def _paragraph(element: etree._Element, _depth: int, places: _Places) -> list[Node]:
    return [Node("paragraph", places.line(element), _inline_text(element))]


def _list(element: etree._Element, depth: int, places: _Places) -> list[Node]:
    node = Node("list", places.line(element), markdown=element in places.markdown)
    for child in element:
        if _tag(child) != "li":
            continue
        item = Node("item", places.line(child))
        blocks = _blocks(child, depth + 1, places) if depth < _MAX_DEPTH else []
        if blocks and blocks[0].kind == "paragraph":
            item.text = blocks.pop(0).text
        item.children = blocks
        if item.text or item.children:
            node.children.append(item)
    return [node] if node.children else []


def _table(element: etree._Element, _depth: int, places: _Places) -> list[Node]:
    node = Node("table", places.line(element), markdown=element in places.markdown)
    rows = list(element.iter("tr"))
    if next(element.iterdescendants("table"), None) is not None:
        # Rows of a table nested in a cell belong to that table, not to this one.
        rows = [row for row in rows if next(row.iterancestors("table"), None) is element]
    for row in rows:
        cells = Node("row", places.line(row))
        for cell in row:
            tag = _tag(cell)
            if tag not in ("td", "th"):
                continue
            cells.children.append(
                Node(
                    "cell",
                    places.line(cell),
                    _inline_text(cell),
                    header=tag == "th",
                    colspan=_span(cell.get("colspan")),
                    rowspan=_span(cell.get("rowspan")),
                )
            )
        if cells.children:
            node.children.append(cells)
    if node.children:
        node.line = node.children[0].line  # a table is where its header row is
    return [node] if node.children else []


def _span(value: str | None) -> int:
    return min(int(value), 50) if value and value.isdigit() and int(value) > 0 else 1


_BLOCK_READERS = {
    **dict.fromkeys(_HEADINGS, _heading),
    "p": _paragraph,
    "dt": _paragraph,
    "dd": _paragraph,
    "ul": _list,
    "ol": _list,
    "table": _table,
}
_CONTAINERS = frozenset(
    {"div", "section", "article", "main", "body", "blockquote", "details", "header", "dl"}
    | {"center", "figure", "html"}
)


def _inline_text(element: etree._Element, *, clean: bool = True) -> str:
    """The element's text; a line break where a <br>, item, paragraph or row ends."""
    if not len(element):  # no child: most cells and headings, read without a walk
        tag = _tag(element)
        if tag in _SKIPPED or not tag:
            return ""
        text = element.text or ""
        if tag in _BREAKS:
            text = f"\n{text}\n"
        return _clean(text) if clean else text
    parts: list[str] = []
    skipping = 0
    for event, node in etree.iterwalk(element, events=("start", "end")):
        tag = _tag(node)
        if event == "start":
            if tag in _SKIPPED or not tag:
                skipping += 1
            elif not skipping:
                if tag in _BREAKS:
                    parts.append("\n")
                parts.append(node.text or "")
        else:
            if tag in _SKIPPED or not tag:
                skipping -= 1
            elif not skipping and tag in _BREAKS:
                parts.append("\n")
            if node is not element and not skipping:
                parts.append(node.tail or "")
    text = "".join(parts)
    return _clean(text) if clean else text


def _clean(text: str) -> str:
    """Spaces collapsed within each line; blank lines dropped."""
    if "\n" not in text:
        return " ".join(text.split())
    lines = (" ".join(part.split()) for part in text.split("\n"))
    return "\n".join(line for line in lines if line)
