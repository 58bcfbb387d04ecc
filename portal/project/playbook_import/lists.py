"""Bulleted and numbered Markdown lists, grouped into lists with their headings."""

from __future__ import annotations

import re

from portal.project.playbook_import.document import Line, clean_inline
from portal.project.playbook_import.tables import ListItem

_BULLET = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d{1,3}[.)])\s+(?P<text>.*)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")


def markdown_list_items(lines: list[Line]) -> tuple[list[ListItem], dict[int, str]]:
    """List items (continuation lines joined) and, per list group, the heading above it."""
    items: list[ListItem] = []
    headings: dict[int, str] = {}
    heading = ""
    group = 0
    open_item: list[str] | None = None
    open_line = 0
    blank_run = 0

    def close() -> None:
        nonlocal open_item
        if open_item is not None:
            items.append(ListItem(open_line, clean_inline(" ".join(open_item)), group))
        open_item = None

    for line in lines:
        text = line.text
        bullet = _BULLET.match(text)
        if bullet is not None:
            close()
            if blank_run > 1 or not items or items[-1].group != group:
                group += 1
                headings[group] = heading
            open_item, open_line, blank_run = [bullet["text"]], line.number, 0
        elif not text.strip():
            close()
            blank_run += 1
        elif (
            open_item is not None
            and _HEADING.match(text) is None
            and (text.startswith((" ", "\t")) or blank_run == 0)
        ):
            open_item.append(text.strip())  # continuation (lazy or indented)
        else:
            close()
            group += 1  # a paragraph or heading ends the list
            headings[group] = heading
            match = _HEADING.match(text)
            if match is not None:
                heading = clean_inline(match["text"]).rstrip("¶ ")
            elif len(text.strip()) <= 80:
                heading = clean_inline(text).rstrip("¶ ")
            blank_run = 0
    close()
    return items, headings
