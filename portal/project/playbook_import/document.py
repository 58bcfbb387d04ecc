"""The input as numbered lines, ready for the Markdown parser.

Teams paste playbooks in many shapes: Markdown, a rendered page saved from a URL,
or a diff with line numbers ("18+| SEV-1 | …", as code review tools show a new
file). `document_lines` gives the lines the parser should see, each with its line
number in the input, so every finding points at the line the user sees.

Every pattern here is anchored and has bounded or single quantifiers: a line is
matched once, never re-scanned, so the time is linear in the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based, in the input as given
    text: str


_NUMBERED_DIFF = re.compile(r"[ \t]{0,8}(?P<number>\d{1,7})(?P<mark>[+\- ])")
_FENCE_CHARS = ("```", "~~~")
_DELIMITER_CHARS = frozenset("|-: \t")


def document_lines(text: str) -> tuple[list[Line], list[str]]:
    """The lines to parse and notes on how the input was read."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    notes: list[str] = []
    lines = [Line(i, t) for i, t in enumerate(raw, start=1)]
    numbered = list(map(_NUMBERED_DIFF.match, raw))  # no Python call for each line
    added = sum(1 for n in numbered if n is not None and n["mark"] == "+")
    non_blank = sum(1 for t in raw if t.strip())
    if added >= 3 and added * 2 >= non_blank:
        notes.append("read as a diff with line numbers: added lines kept, the rest dropped")
        lines = [
            Line(line.number, line.text[n.end() :])
            for line, n in zip(lines, numbered, strict=True)
            if n is not None and n["mark"] == "+"
        ]
    elif any(t.startswith("@@ ") and t.count("@@") >= 2 for t in raw):
        notes.append("read as a unified diff: added and context lines kept")
        kept: list[Line] = []
        in_hunk = False
        for line in lines:
            if line.text.startswith("@@ "):
                in_hunk = True
            elif in_hunk and line.text.startswith(("+", " ")):
                kept.append(Line(line.number, line.text[1:]))
            elif in_hunk and line.text == "":
                kept.append(line)
        lines = kept
    return lines, notes


def looks_like_html(lines: list[Line]) -> bool:
    """A saved web page (read as HTML), as opposed to Markdown that may hold some HTML."""
    for line in lines:
        start = line.text.lstrip().lower()
        if start:
            return start.startswith(("<!doctype", "<html", "<?xml", "<head", "<body"))
    return False


def prepare_markdown(lines: list[Line]) -> list[Line]:
    """Lines adjusted where pasted playbooks and CommonMark disagree.

    - YAML front matter is dropped: its closing `---` would turn it into a heading.
    - A line without a pipe ends a GFM table (GFM would read it as a one-cell row):
      pasted documents often lack the blank line after a table, and that line is
      never a severity level. A blank line is put before it.
    - Blank lines inside a raw HTML `<table>` are dropped: CommonMark ends an HTML
      block at a blank line and would read the rest of the table as Markdown.
    The line numbers stay those of the input.
    """
    out: list[Line] = []
    start = 0
    if lines and lines[0].text.strip() == "---":
        for index in range(1, min(len(lines), 200)):
            if lines[index].text.strip() in ("---", "..."):
                start = index + 1
                break
    fence = ""
    in_gfm_table = False
    html_tables = 0
    for index in range(start, len(lines)):
        line = lines[index]
        stripped = line.text.strip()
        if fence:
            fence = "" if stripped.startswith(fence) else fence
            out.append(line)
            continue
        if stripped.startswith(_FENCE_CHARS):
            fence = stripped[:3]
            in_gfm_table = False
            out.append(line)
            continue
        if "<" in stripped:
            lowered = stripped.lower()
            html_tables = max(0, html_tables + lowered.count("<table") - lowered.count("</table"))
        if not stripped:
            in_gfm_table = False
            if html_tables:
                continue
        elif in_gfm_table and "|" not in stripped:
            out.append(Line(line.number, ""))
            in_gfm_table = False
        elif (
            "|" in stripped and index + 1 < len(lines) and _is_delimiter_row(lines[index + 1].text)
        ):
            in_gfm_table = True
        out.append(line)
    return out


def _is_delimiter_row(text: str) -> bool:
    stripped = text.strip().lstrip(">").strip()
    return "-" in stripped and "|" in stripped and set(stripped) <= _DELIMITER_CHARS
