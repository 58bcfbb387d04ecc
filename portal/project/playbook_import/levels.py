"""Read entries (whatever their shape) into level dicts, reporting what was not read.

A level's fields come from the facts found with its code: a column, a row label, a
"Label:" line, a sentence that starts with a target's word. Durations are read only
from facts labelled as targets: a definition ("outage greater than 4 hours") is
text, never a target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.project.playbook_import.codes import (
    MAX_CODE,
    MAX_NAME,
    code_number,
    is_code,
    match_code,
)
from portal.project.playbook_import.columns import DURATION_FIELDS, TEXT_FIELDS
from portal.project.playbook_import.comms import read_comms
from portal.project.playbook_import.prose_durations import (
    read_duration,
    read_targets,
    split_parts,
    target_label,
)
from portal.project.playbook_import.shapes import Entry, Fact

Level = dict[str, Any]
_TARGET_MARKS = ("targets:", "target:")


@dataclass
class Reading:
    levels: list[Level] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_entries(entries: list[Entry]) -> Reading:
    reading = Reading()
    seen: dict[str, int] = {}
    taken: dict[str, str] = {}  # concept -> the column or row label it is read from
    ignored: set[str] = set()
    for entry in entries:
        for fact in entry.facts:
            if fact.origin not in ("column", "row") or fact.label in taken.values():
                continue
            if fact.label in ignored:
                continue
            if fact.concept is None and _names_targets(fact.label, entries):
                taken[f"targets {fact.label}"] = fact.label
                reading.notes.append(
                    f"line {fact.label_line}: {_kind(fact)} {fact.label!r} read as targets: "
                    "each of its cells names the targets it sets"
                )
            elif fact.concept is None:
                ignored.add(fact.label)
                if fact.label:
                    reading.problems.append(
                        f"line {fact.label_line}: {_kind(fact)} {fact.label!r} not read: "
                        "no level field matches it"
                    )
            elif fact.concept in taken:
                ignored.add(fact.label)
                reading.problems.append(
                    f"line {fact.label_line}: {_kind(fact)} {fact.label!r} not read: {fact.concept} "
                    f"is already read from {_kind(fact)} {taken[fact.concept]!r}"
                )
            else:
                taken[fact.concept] = fact.label
    for entry in entries:
        level = _read_entry(entry, seen, ignored, reading)
        if level is not None:
            reading.levels.append(level)
    return reading


def _names_targets(label: str, entries: list[Entry]) -> bool:
    """Every non-empty cell of the column or row is read as named targets."""
    texts = [
        f.text
        for e in entries
        for f in e.facts
        if f.label == label and f.origin in ("column", "row")
    ]
    texts = [t for t in texts if t]
    return bool(texts) and all((found := read_targets(t))[0] and not found[1] for t in texts)


def _kind(fact: Fact) -> str:
    return "column" if fact.origin == "column" else "row"


def _read_entry(
    entry: Entry, seen: dict[str, int], ignored: set[str], reading: Reading
) -> Level | None:
    found = match_code(entry.code_text)
    line = entry.line
    if found is None:
        code, name, rest = " ".join(entry.code_text.split()), "", ""
    else:
        code, name, rest = found.code, found.name, found.rest
    code, name = _code_and_name(code, name, line, reading)
    if not _accept_code(code, line, seen, reading):
        return None
    level: Level = {"code": code}
    if rest and entry.rest_is == "definition":
        definition, targets = _split_target_mark(rest)
        if definition:
            level["definition"] = definition
        if targets:
            _set_targets(level, targets, line, reading)
    elif rest and not name:
        name = rest
    for fact in entry.facts:
        if fact.label in ignored and fact.origin in ("column", "row"):
            if fact.text:
                reading.problems.append(
                    f"line {fact.line}: cell {fact.text!r} ({_kind(fact)} {fact.label!r}) not read"
                )
            continue
        name = _read_fact(level, fact, name, reading)
    if not name and (split := _name_dash(level.get("definition", ""))):
        name, level["definition"] = split
    if name:
        code_name = _code_and_name(level["code"], name, line, reading)
        level["code"], name = code_name
    _set_name(level, name, line, reading)
    return level


def _read_fact(level: Level, fact: Fact, name: str, reading: Reading) -> str:
    """Puts the fact in the level; returns the level's name (a fact may give it)."""
    if not fact.text:
        return name
    concept = fact.concept
    if concept is None and fact.origin in ("column", "row") and fact.label:
        concept = "targets"  # a column of unknown name whose cells name targets
    if concept is None and fact.origin == "prose":
        concept = _sentence_target(fact.text) if "definition" in level else "definition"
        if concept is None and read_duration(fact.text).problem == "no duration in it":
            concept = "definition"  # more description: it names no time
    if concept is None:
        where = f"label {fact.label!r}" if fact.label else "text"
        reading.problems.append(f"line {fact.line}: {where} {fact.text!r} not read")
    elif concept in DURATION_FIELDS:
        _set_duration_text(level, concept, fact.text, fact.line, reading)
    elif concept == "targets":
        _set_targets(level, fact.text, fact.line, reading)
    elif concept == "comms":
        comms = read_comms(fact.text.replace("\n", "; "))
        level["comms"] = level.get("comms", []) + comms.requirements
        reading.problems += [f"line {fact.line}: {p}" for p in comms.problems]
    elif concept == "name":
        return name or fact.text
    elif concept in TEXT_FIELDS:
        text = " ".join(fact.text.split())
        level[concept] = f"{level[concept]} {text}" if concept in level else text
    return name


def _sentence_target(text: str) -> str | None:
    """A sentence after the definition that starts with a target's word, or None."""
    concept, _ = target_label(text)
    return concept


def _split_target_mark(text: str) -> tuple[str, str]:
    lowered = text.lower()
    for mark in _TARGET_MARKS:
        at = lowered.find(mark)
        if at >= 0:
            return text[:at].strip().rstrip(".").strip(), text[at + len(mark) :].strip()
    return text.strip().rstrip(".").strip(), ""


def _code_and_name(code: str, name: str, line: int, reading: Reading) -> tuple[str, str]:
    """ "Priority 1 (P1)": both are codes. The shorter is the code, and the note says so."""
    if not name or not is_code(name) or not is_code(code):
        return code, name
    if code_number(name) != code_number(code):
        return code, name  # two schemes ("SEV-1", "P0"): the code stays as written
    if len(name) < len(code):
        reading.notes.append(
            f"line {line}: {code!r} and {name!r} are both level codes: took {name!r} as "
            f"the code and {code!r} as the name"
        )
        return name, code
    return code, name


def _accept_code(code: str, line: int, seen: dict[str, int], reading: Reading) -> bool:
    if len(code) > MAX_CODE:
        reading.problems.append(
            f"line {line}: code {code!r} is longer than {MAX_CODE} characters; row not read"
        )
        return False
    if code.lower() in seen:
        reading.problems.append(
            f"line {line}: code {code!r} repeats line {seen[code.lower()]}; row not read"
        )
        return False
    seen[code.lower()] = line
    return True


def _name_dash(definition: str) -> tuple[str, str] | None:
    """ "Critical - Service down": a capitalised word, a dash, the definition."""
    head, sep, rest = definition.partition(" ")
    rest = rest.lstrip()
    if not sep or not rest or rest[0] not in "-–—:" or not (3 <= len(head) <= 20):
        return None
    if not (head[0].isupper() and head.isalpha()):
        return None
    return (head, rest[1:].strip()) if rest[1:].strip() else None


def _set_name(level: Level, name: str, line: int, reading: Reading) -> None:
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        reading.problems.append(
            f"line {line}: name {name!r} is longer than {MAX_NAME} characters; not read"
        )
    elif name:
        level["name"] = name


def _set_duration_text(level: Level, concept: str, text: str, line: int, reading: Reading) -> None:
    """A target cell: one duration, or several, each named ("Respond: 20 min\nUpdate: 1 hr")."""
    parts = split_parts(text) if "\n" in text else [text]
    labelled = [target_label(part) for part in parts]
    if len(parts) == 1 and labelled[0][0] is None:
        single = read_duration(text)
        if single.value is not None or "more than one" not in single.problem:
            _store(level, concept, single, text, line, reading)
            return
        parts = split_parts(text)
        labelled = [target_label(part) for part in parts]
    for part, (named, rest) in zip(parts, labelled, strict=True):
        field_name = named or concept
        _store(level, field_name, read_duration(rest if named else part), part, line, reading)


def _store(level: Level, field_name: str, value: Any, text: str, line: int, r: Reading) -> None:
    if value.value is None:
        if value.problem:
            r.problems.append(f"line {line}: {field_name} {text!r}: {value.problem}")
        return
    if field_name in level:
        r.problems.append(f"line {line}: {field_name} {text!r}: already read; not read again")
        return
    level[field_name] = value.value
    if value.note:
        r.notes.append(f"line {line}: {field_name}: {value.note}")


def _set_targets(level: Level, text: str, line: int, reading: Reading) -> None:
    targets, refused = read_targets(text)
    for target in targets:
        _store(level, target.field, target.reading, target.text, line, reading)
    reading.problems += [f"line {line}: target {r}; not read" for r in refused]
