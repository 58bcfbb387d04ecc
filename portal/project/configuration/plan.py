"""Plan and apply: what a document would change, item by item, and the atomic apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.audit.scope import audited_service
from portal.kernel.actors import Actor
from portal.project.configuration.errors import ConfigError
from portal.project.configuration.history import history_problems
from portal.project.configuration.policy_writer import keep_taken_hash, version_problems
from portal.project.configuration.references import References, reference_problems
from portal.project.configuration.schema import schema_problems
from portal.project.configuration.sections import SECTIONS, Section, export_configuration
from portal.project.configuration.shapes import Item


@dataclass
class Change:
    action: str  # create, update, delete, keep (not in the file, not pruned)
    section: Section
    key: Any
    path: str
    before: Item | None
    after: Item | None
    details: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        name = f'{self.section.label} "{self.section.key_text(self.key)}"'
        if self.action == "create":
            return [f"+ create {name}"]
        if self.action == "delete":
            return [f"- delete {name}"]
        if self.action == "keep":
            return [f"! keep {name}: not in the file (pass --prune to delete it)"]
        return [f"~ update {name}"] + [f"    {d}" for d in self.details]


@dataclass
class Plan:
    changes: list[Change]
    references: References | None = None

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.action != "keep"]

    def lines(self) -> list[str]:
        if not self.writes:
            return ["No changes."] + [line for c in self.changes for line in c.lines()]
        return [line for c in self.changes for line in c.lines()]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _differences(before: Item, after: Item) -> list[str]:
    details = []
    for key in after:
        old, new = before.get(key), after[key]
        if old == new:
            continue
        if isinstance(new, list) and isinstance(old, list):
            if key == "versions":
                details += _version_differences(old, new)
            else:
                details.append(f"{key}: {len(old)} → {len(new)} items, changed")
        else:
            details.append(f"{key}: {_short(old)} → {_short(new)}")
    return details


def _version_differences(old: list[Item], new: list[Item]) -> list[str]:
    by_number = {v["number"]: v for v in old}
    details = []
    for version in new:
        previous = by_number.pop(version["number"], None)
        if previous is None:
            details.append(f"versions: add version {version['number']} ({version['status']})")
        elif previous != version:
            changed = ", ".join(k for k in version if version[k] != previous.get(k))
            details.append(f"versions: version {version['number']}: {changed} changed")
    details += [f"versions: version {n} is not in the file (kept)" for n in by_number]
    return details


def _normalise(document: dict[str, Any]) -> dict[str, Any]:
    problems = schema_problems(document)
    if problems:
        raise ConfigError(problems)
    return {"version": 1} | {
        s.name: [s.shape(item) for item in document.get(s.name, [])] for s in SECTIONS
    }


def _references(desired: dict[str, Any], current: dict[str, Any], prune: bool) -> References:
    refs = References.load()
    kept: dict[str, list[Item]] = {}
    for section in SECTIONS:
        in_file = {section.key(i) for i in desired[section.name]}
        kept[section.name] = desired[section.name] + (
            [] if prune else [i for i in current[section.name] if section.key(i) not in in_file]
        )
    refs.schedule_layers = {s["name"]: s["layers"] for s in kept["schedules"]}
    refs.channels = {c["name"] for c in kept["channels"]}
    refs.services = {s["slug"] for s in kept["services"]}
    return refs


def plan_configuration(document: dict[str, Any], *, prune: bool = False) -> Plan:
    """What applying `document` would change. Raises ConfigError listing every problem."""

    desired = _normalise(document)
    current = export_configuration()
    refs = _references(desired, current, prune)
    problems = reference_problems(desired, refs) + history_problems(desired["history"], refs)
    changes: list[Change] = []
    for section in SECTIONS:
        existing = {section.key(i): i for i in current[section.name]}
        for index, item in enumerate(desired[section.name]):
            key = section.key(item)
            path = f"{section.name}[{index}]"
            before = existing.pop(key, None)
            if section.name == "policies":
                keep_taken_hash(item, before)
                problems += version_problems(item, before, path)
            if before is None:
                changes.append(Change("create", section, key, path, None, item))
            elif before != item:
                changes.append(
                    Change("update", section, key, path, before, item, _differences(before, item))
                )
        for key, item in existing.items():
            action = "delete" if prune and section.name != "policies" else "keep"
            changes.append(Change(action, section, key, section.name, item, None))
    if problems:
        raise ConfigError(problems)
    return Plan(changes, refs)


@audited_service
def apply_configuration(*, document: dict[str, Any], actor: Actor, prune: bool = False) -> Plan:
    """Make the database match `document`: all of it or, on any problem, nothing.

    Items missing from the file are kept unless `prune`; deletions run last, in reverse
    section order, so that nothing still referenced is removed first.
    """
    plan = plan_configuration(document, prune=prune)
    for change in plan.changes:
        if change.action in ("create", "update"):
            change.section.write(change.after, change.before, plan.references, actor, change.path)
    for change in reversed(plan.changes):
        if change.action == "delete" and change.before is not None:
            change.section.delete(change.key, change.before, actor, change.path)
    return plan
