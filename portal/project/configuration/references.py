"""Checks that need more than the schema: references, uniqueness, values the models refuse.

Every problem is reported (not only the first), each with its path in the file, so a
reviewer fixes the file once. Nothing is written while any problem remains.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from incidents.choices import PolicyStatus
from incidents.oncall.choices import RotationKind, TargetKind
from portal.kernel.durations import DurationParseError, parse_duration
from portal.project.configuration.shapes import Item

_DURATION_KEYS = ("ack_target", "mitigate_target", "resolve_target", "update_cadence",
                  "postmortem_due")  # fmt: skip


@dataclass
class References:
    """What the file may refer to: users and groups in the database, and the items that
    will exist after the apply (the file's, plus the database's it does not prune)."""

    users: dict[str, Any]
    groups: dict[str, Any]
    schedule_layers: dict[str, list[str]] = field(default_factory=dict)
    channels: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)

    @classmethod
    def load(cls) -> References:
        users: dict[str, Any] = {}
        for user in get_user_model().objects.filter(is_active=True).order_by("pk"):
            users.setdefault(user.get_username().lower(), user)
            if user.email:
                users[user.email.lower()] = user
        return cls(users=users, groups={g.name: g for g in Group.objects.all()})

    def user(self, ref: str | None) -> Any:
        return None if ref is None else self.users.get(ref.lower())


def _duplicates(items: list[Item], key: str, section: str, problems: list[str]) -> None:
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        value = item.get(key)
        if value in seen:
            problems.append(
                f"{section}[{index}].{key}: {value!r} appears twice (also {section}[{seen[value]}])"
            )
        seen.setdefault(value, index)


def _check_user(refs: References, ref: str | None, path: str, problems: list[str]) -> None:
    if ref is not None and refs.user(ref) is None:
        problems.append(f'{path}: unknown user "{ref}"')


def _check_duration(value: str, path: str, problems: list[str]) -> None:
    if value:
        try:
            parse_duration(value)
        except DurationParseError as exc:
            problems.append(f"{path}: {exc}")


def reference_problems(document: dict[str, Any], refs: References) -> list[str]:
    """What the document names but the database (or the document) lacks; the history
    section checks its own (`history.history_problems`)."""
    problems: list[str] = []
    for section, key in (("policies", "name"), ("schedules", "name"),
                         ("escalation_policies", "name"), ("channels", "name"),
                         ("services", "slug"), ("integrations", "name")):  # fmt: skip
        _duplicates(document[section], key, section, problems)
    problems += _policy_problems(document["policies"], refs)
    for i, schedule in enumerate(document["schedules"]):
        problems += _schedule_problems(schedule, f"schedules[{i}]", refs)
    levels_taken: dict[str, str] = {}
    for i, policy in enumerate(document["escalation_policies"]):
        path = f"escalation_policies[{i}]"
        for j, code in enumerate(policy["levels"]):
            if code in levels_taken:
                problems.append(
                    f'{path}.levels[{j}]: "{code}" already follows "{levels_taken[code]}"'
                )
            levels_taken.setdefault(code, policy["name"])
        for j, step in enumerate(policy["steps"]):
            problems += _step_problems(step, f"{path}.steps[{j}]", refs)
            for k, target in enumerate(step["parallel_targets"]):
                problems += _step_problems(target, f"{path}.steps[{j}].parallel_targets[{k}]", refs)
        fallback = policy["fallback_schedule"]
        if fallback is not None and fallback not in refs.schedule_layers:
            problems.append(f'{path}.fallback_schedule: unknown schedule "{fallback}"')
        _check_user(refs, policy["fallback_user"], f"{path}.fallback_user", problems)
    seen_routes: set[tuple[str, str]] = set()
    for i, route in enumerate(document["routing"]):
        if route["channel"] not in refs.channels:
            problems.append(f'routing[{i}].channel: unknown channel "{route["channel"]}"')
        if (route["level"], route["channel"]) in seen_routes:
            problems.append(f"routing[{i}]: the same level and channel appear twice")
        seen_routes.add((route["level"], route["channel"]))
    for i, service in enumerate(document["services"]):
        _check_user(refs, service["owner"], f"services[{i}].owner", problems)
    for i, integration in enumerate(document["integrations"]):
        path = f"integrations[{i}]"
        if integration["service"] is not None and integration["service"] not in refs.services:
            problems.append(f'{path}.service: unknown service "{integration["service"]}"')
        is_heartbeat = integration["kind"] == "heartbeat"
        if is_heartbeat and not integration["heartbeat_period_seconds"]:
            problems.append(f"{path}.heartbeat_period_seconds: heartbeats need a period")
        if not is_heartbeat and integration["heartbeat_period_seconds"]:
            problems.append(f"{path}.heartbeat_period_seconds: only heartbeats have a period")
    return problems


def _policy_problems(policies: list[Item], refs: References) -> list[str]:
    problems: list[str] = []
    active = [
        f"policies[{i}].versions[{j}]"
        for i, policy in enumerate(policies)
        for j, version in enumerate(policy["versions"])
        if version["status"] == PolicyStatus.ACTIVE
    ]
    for path in active[1:]:
        problems.append(f"{path}.status: only one version is active (also {active[0]})")
    for i, policy in enumerate(policies):
        _duplicates(policy["versions"], "number", f"policies[{i}].versions", problems)
        for j, version in enumerate(policy["versions"]):
            path = f"policies[{i}].versions[{j}]"
            try:
                zoneinfo.ZoneInfo(version["calendar"]["time_zone"])
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                problems.append(
                    f'{path}.calendar.time_zone: unknown time zone "{version["calendar"]["time_zone"]}"'
                )
            _check_user(refs, version["sign_off"]["approved_by"], f"{path}.sign_off.approved_by",
                        problems)  # fmt: skip
            _duplicates(version["levels"], "code", f"{path}.levels", problems)
            _duplicates(version["levels"], "rank", f"{path}.levels", problems)
            codes = {level["code"] for level in version["levels"]}
            for k, level in enumerate(version["levels"]):
                for key in _DURATION_KEYS:
                    _check_duration(level[key], f"{path}.levels[{k}].{key}", problems)
                for m, comms in enumerate(level["comms"]):
                    for key in ("deadline", "only_if_longer_than"):
                        _check_duration(
                            comms[key], f"{path}.levels[{k}].comms[{m}].{key}", problems
                        )
            for k, rule in enumerate(version["rules"]):
                if rule["level"] not in codes:
                    problems.append(f'{path}.rules[{k}].level: unknown level "{rule["level"]}"')
    return problems


def _schedule_problems(schedule: Item, path: str, refs: References) -> list[str]:
    problems: list[str] = []
    try:
        zoneinfo.ZoneInfo(schedule["time_zone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(f'{path}.time_zone: unknown time zone "{schedule["time_zone"]}"')
    if len(set(schedule["layers"])) != len(schedule["layers"]):
        problems.append(f"{path}.layers: a layer name appears twice")
    for j, rotation in enumerate(schedule["rotations"]):
        rpath = f"{path}.rotations[{j}]"
        if rotation["layer"] not in schedule["layers"]:
            problems.append(f'{rpath}.layer: unknown layer "{rotation["layer"]}"')
        if rotation["kind"] == RotationKind.CUSTOM and not rotation["shift_hours"]:
            problems.append(f"{rpath}.shift_hours: an 'every N hours' rotation needs it")
        try:
            datetime.date.fromisoformat(rotation["start_date"])
        except ValueError:
            problems.append(f'{rpath}.start_date: not a date "{rotation["start_date"]}"')
        for k, member in enumerate(rotation["members"]):
            _check_user(refs, member, f"{rpath}.members[{k}]", problems)
    for j, override in enumerate(schedule["overrides"]):
        opath = f"{path}.overrides[{j}]"
        if override["layer"] not in schedule["layers"]:
            problems.append(f'{opath}.layer: unknown layer "{override["layer"]}"')
        _check_user(refs, override["user"], f"{opath}.user", problems)
        if override["start"] and override["end"] and override["end"] <= override["start"]:
            problems.append(f"{opath}.end: the end must be after the start")
    return problems


def _step_problems(step: Item, path: str, refs: References) -> list[str]:
    """Problems of one target: a step's own or one of its parallel targets."""
    problems: list[str] = []
    needs = {TargetKind.SCHEDULE: "schedule", TargetKind.NEXT_IN_ROTATION: "schedule",
             TargetKind.USER: "user", TargetKind.GROUP: "group"}.get(TargetKind(step["target"]))  # fmt: skip
    if needs is not None and step[needs] is None:
        problems.append(f"{path}.{needs}: a '{step['target']}' step needs a {needs}")
    if step["schedule"] is not None:
        layers = refs.schedule_layers.get(step["schedule"])
        if layers is None:
            problems.append(f'{path}.schedule: unknown schedule "{step["schedule"]}"')
        elif step["layer"] is not None and step["layer"] not in layers:
            problems.append(
                f'{path}.layer: unknown layer "{step["layer"]}" of "{step["schedule"]}"'
            )
    _check_user(refs, step["user"], f"{path}.user", problems)
    if step["group"] is not None and step["group"] not in refs.groups:
        problems.append(f'{path}.group: unknown group "{step["group"]}"')
    if step["channel"] is not None and step["channel"] not in refs.channels:
        problems.append(f'{path}.channel: unknown channel "{step["channel"]}"')
    return problems
