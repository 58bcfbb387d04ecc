"""What PostgreSQL (and UTF-8) cannot store, found before anything is written.

PostgreSQL refuses NUL characters in text and jsonb with an error (not a miss), and
a lone surrogate (`"\\ud800"` in JSON) cannot be encoded as UTF-8 at all: either would
surface as a 5xx long after the request was parsed. The doors call these checks on
everything a sender controls and answer 400 naming the field instead.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

MAX_DEPTH = 64


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (invalid Unicode)"
    return None


def document_problems(value: Any, root: str = "") -> list[str]:
    """Every unstorable string (key or value) in a decoded JSON document, by dotted path.

    Iterative (no recursion limit to hit) and bounded in depth: a document nested
    deeper than MAX_DEPTH is refused as a whole.
    """
    problems: list[str] = []
    stack: list[tuple[str, Any, int]] = [(root, value, 0)]
    while stack:
        path, item, depth = stack.pop()
        label = path or "the body"
        if depth > MAX_DEPTH:
            return [f"{label} is nested more than {MAX_DEPTH} levels deep"]
        if isinstance(item, str):
            if problem := text_problem(item):
                problems.append(f"{label} {problem}")
        elif isinstance(item, float) and not math.isfinite(item):
            problems.append(f"{label} is not a finite number")
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if problem := text_problem(str(key)):
                    problems.append(f"{(path or 'the body')} has a key that {problem}")
                    continue
                stack.append((child_path, child, depth + 1))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((f"{path}[{index}]", child, depth + 1))
    return sorted(problems)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(body: bytes | str) -> Any:
    """`json.loads` without NaN/Infinity (jsonb refuses them); ValueError for any bad body."""
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("the body is nested too deeply") from None


def bounded_identifier(value: str, limit: int) -> str:
    """`value` if it fits in `limit` characters, else a prefix plus its SHA-256.

    Cutting would make two distinct identifiers with a common prefix collide (two
    deliveries counted as one, two alerts merged); the digest keeps them apart.
    """
    if len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{value[: limit - len(digest) - 1]}~{digest}"
