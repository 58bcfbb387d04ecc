"""The input as numbered lines, and Markdown inline clean-up.

Teams paste playbooks in many shapes: Markdown, a rendered page saved from a URL,
or a diff with line numbers ("18+| SEV-1 | …", as code review tools show a new
file). `document_lines` gives the lines the readers should look at, each with its
line number in the input, so every finding points at the line the user sees.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, in the input as given
    text: str


_NUMBERED_DIFF = re.compile(r"^\s*(?P<number>\d+)(?P<mark>[+\- ])(?P<text>.*)$")
_HUNK = re.compile(r"^@@ .* @@")
_FENCE = re.compile(r"^\s{0,3}(?P<fence>`{3,}|~{3,})")


def document_lines(text: str) -> tuple[list[Line], list[str]]:
    """The lines to read (fenced code blanked) and notes on how the input was read."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    notes: list[str] = []
    lines = [Line(i, t) for i, t in enumerate(raw, start=1)]
    numbered = [m for t in raw if (m := _NUMBERED_DIFF.match(t)) and m["mark"] == "+"]
    non_blank = [t for t in raw if t.strip()]
    if len(numbered) >= 3 and len(numbered) * 2 >= len(non_blank):
        notes.append("read as a diff with line numbers: added lines kept, the rest dropped")
        lines = [
            Line(line.number, m["text"])
            for line in lines
            if (m := _NUMBERED_DIFF.match(line.text)) and m["mark"] == "+"
        ]
    elif any(_HUNK.match(t) for t in raw):
        notes.append("read as a unified diff: added and context lines kept")
        kept: list[Line] = []
        in_hunk = False
        for line in lines:
            if _HUNK.match(line.text):
                in_hunk = True
            elif in_hunk and line.text.startswith(("+", " ")):
                kept.append(Line(line.number, line.text[1:]))
            elif in_hunk and line.text == "":
                kept.append(line)
        lines = kept
    return _blank_fenced_code(lines), notes


def _blank_fenced_code(lines: list[Line]) -> list[Line]:
    # Tables and lists shown as code samples are examples, not the policy.
    out: list[Line] = []
    fence = ""
    for line in lines:
        match = _FENCE.match(line.text)
        if fence:
            if match and match["fence"][0] == fence[0] and len(match["fence"]) >= len(fence):
                fence = ""
            out.append(Line(line.number, ""))
        elif match:
            fence = match["fence"]
            out.append(Line(line.number, ""))
        else:
            out.append(line)
    return out


_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_STRONG = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")


def clean_inline(text: str) -> str:
    """Cell or item text without Markdown emphasis, code spans, links or HTML tags."""
    text = _BR.sub(" ", text)
    text = _TAG.sub("", text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _CODE_SPAN.sub(lambda m: m[2].strip(), text)
    for _ in range(2):  # nested emphasis: ***x*** or **_x_**
        text = _STRONG.sub(r"\2", text)
        text = _EMPHASIS.sub(r"\2", text)
    text = _ESCAPE.sub(r"\1", text)
    text = html.unescape(text)
    return " ".join(text.split())
