"""What a level code looks like: "SEV-1", "Sev 2", "S1", "P0", "Priority 1", "#P1".

Read by a small scanner, not a regular expression: the cost is the length of the
prefix it looks at, whatever follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# Longest first, so "severity 1" is not read as "s" followed by "everity".
_PREFIXES = (
    "incident level",
    "severity",
    "priority",
    "level",
    "tier",
    "prio",
    "pri",
    "sev",
    "lvl",
    "p",
    "s",
    "l",
)
# The prefixes by first letter, in the order above: most text starts with none of them.
_BY_FIRST = {
    first: tuple(prefix for prefix in _PREFIXES if prefix[0] == first)
    for first in {prefix[0] for prefix in _PREFIXES}
}
# Punctuation teams put before a code: "# P1", "#P1", "• SEV1", "(P2)", "[S1]".
_LEADING = frozenset("#*•·>([-–— \t")
_SEPARATORS = frozenset(":—–-/|.,) \t]")
MAX_CODE = 20
MAX_NAME = 60


@dataclass(frozen=True)
class CodeMatch:
    code: str  # as written, spaces collapsed: "SEV-1", "Priority 1"
    number: int
    name: str  # in parentheses after the code, or the text before "(P1)"
    rest: str  # what follows the code and its name


def _code_at(text: str, start: int) -> tuple[str, int, int] | None:
    """(code, number, end) when a code starts at `start` and ends at a word boundary."""
    lowered = text[start : start + 24].lower()
    for prefix in _BY_FIRST.get(lowered[:1], ()):
        if not lowered.startswith(prefix):
            continue
        index = len(prefix)
        spaces = 0
        while index < len(lowered) and lowered[index] in " \t" and spaces < 2:
            index, spaces = index + 1, spaces + 1
        if index < len(lowered) and lowered[index] in "-_":
            index += 1
            while index < len(lowered) and lowered[index] in " \t" and spaces < 4:
                index, spaces = index + 1, spaces + 1
        digits = index
        while index < len(lowered) and lowered[index].isdigit() and index - digits < 2:
            index += 1
        if index == digits or (index < len(lowered) and lowered[index].isalnum()):
            continue
        if index < len(lowered) and lowered[index] == "_":
            continue
        code = " ".join(text[start : start + index].split())
        return code, int(lowered[digits:index]), start + index
    return None


# A cell's text is matched when its row, then its column, is looked at for codes, when
# it is read and when the reading is scored: matched once.
@lru_cache(maxsize=4096)
def match_code(text: str) -> CodeMatch | None:
    """The code a cell, item or heading starts with (or ends with, in parentheses)."""
    start = 0
    while start < len(text) and start < 4 and text[start] in _LEADING:
        start += 1
    found = _code_at(text, start)
    if found is None:
        return _trailing_code(text)
    code, number, end = found
    rest = text[end:].lstrip(" \t")
    name = ""
    if rest.startswith("("):
        close = rest.find(")", 0, MAX_NAME + 2)
        if close > 1:
            name, rest = rest[1:close].strip(), rest[close + 1 :]
    index = 0
    while index < len(rest) and index < 6 and rest[index] in _SEPARATORS:
        index += 1
    return CodeMatch(code, number, name, rest[index:].strip())


def _trailing_code(text: str) -> CodeMatch | None:
    # "Critical (P1)", "Priority 1 (P1)": a name, then the code in parentheses.
    stripped = text.strip().rstrip(":")
    if not stripped.endswith(")"):
        return None
    open_at = stripped.rfind("(", max(0, len(stripped) - MAX_CODE - 2))
    if open_at <= 0:
        return None
    found = _code_at(stripped, open_at + 1)
    if found is None or found[2] != len(stripped) - 1:
        return None
    name = stripped[:open_at].strip(" \t-–—:")
    return CodeMatch(found[0], found[1], name, "") if 0 < len(name) <= MAX_NAME else None


def is_code(text: str) -> bool:
    """The whole text is one code ("P1", "Sev 2"), nothing after it."""
    found = match_code(text)
    return found is not None and not found.name and not found.rest


def code_number(code: str) -> int | None:
    found = match_code(code)
    return found.number if found is not None and is_code(code) else None
