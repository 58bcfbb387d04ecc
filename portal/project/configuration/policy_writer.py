"""The policy section: versions are created, drafts rewritten, sign-off restored.

A version that is active or retired is frozen (incidents pin it): its content cannot
change through the document; a new version must be added. Statuses move the way the
domain allows: a draft may become active (the active one then retires), an active
one may retire; a retired one never comes back.
"""

from __future__ import annotations

import datetime
from typing import Any

from incidents.choices import PolicyStatus
from incidents.models import Policy, PolicyVersion
from incidents.policies import build_version, content_hash
from portal.audit.choices import AuditAction
from portal.audit.services import record_entry
from portal.kernel.actors import Actor
from portal.project.configuration.errors import ConfigError
from portal.project.configuration.references import References
from portal.project.configuration.shapes import Item
from portal.project.configuration.writers import audit


def _content(version: Item) -> Item:
    return {key: version[key] for key in ("calendar", "levels", "rules")}


def version_problems(item: Item, before: Item | None, path: str) -> list[str]:
    """Changes the document asks for that the domain refuses."""
    if before is None:
        return []
    problems = []
    existing = {v["number"]: v for v in before["versions"]}
    for j, version in enumerate(item["versions"]):
        old = existing.get(version["number"])
        if old is None:
            continue
        vpath = f"{path}.versions[{j}]"
        if old["status"] != PolicyStatus.DRAFT and _content(old) != _content(version):
            problems.append(
                f"{vpath}: version {version['number']} is {old['status']} and cannot change; "
                "add a new version"
            )
        if old["status"] == PolicyStatus.RETIRED and version["status"] != PolicyStatus.RETIRED:
            problems.append(f"{vpath}.status: a retired version cannot come back")
        if old["status"] == PolicyStatus.ACTIVE and version["status"] == PolicyStatus.DRAFT:
            problems.append(f"{vpath}.status: an active version cannot become a draft")
    return problems


def keep_taken_hash(item: Item, before: Item | None) -> None:
    """A blank `content_hash` in the file means "the one taken on activation": a
    hand-written file cannot know it, and without this every apply of an active
    version written by hand would plan a change."""
    taken = {
        v["number"]: v["sign_off"]["content_hash"] for v in (before or {"versions": []})["versions"]
    }
    for version in item["versions"]:
        if not version["sign_off"]["content_hash"] and version["status"] != PolicyStatus.DRAFT:
            version["sign_off"]["content_hash"] = taken.get(version["number"], "")


def _parse_dt(text: str | None) -> datetime.datetime | None:
    return None if text is None else datetime.datetime.fromisoformat(text)


def _parse_date(text: str | None) -> datetime.date | None:
    return None if text is None else datetime.date.fromisoformat(text)


def _sign_off(version: PolicyVersion, raw: Item, refs: References) -> None:
    sign_off = raw["sign_off"]
    version.approved_by = refs.user(sign_off["approved_by"])
    version.approver_name = sign_off["approver_name"]
    version.approved_at = _parse_dt(sign_off["approved_at"])
    version.activated_at = _parse_dt(sign_off["activated_at"])
    version.next_review_on = _parse_date(sign_off["next_review_on"])
    version.last_validated_on = _parse_date(sign_off["last_validated_on"])
    version.content_hash = sign_off["content_hash"]


def _build(policy: Policy, raw: Item, actor: Actor) -> PolicyVersion:
    data: dict[str, Any] = {
        "calendar": {**raw["calendar"], "notes": raw["notes"]},
        "levels": raw["levels"],
        "rules": raw["rules"],
    }
    version = build_version(policy, data, actor=actor)
    if version.number != raw["number"]:
        version.number = raw["number"]
        version.save(update_fields=["number"])
    return version


def _retire_active(except_pk: int, actor: Actor) -> None:
    for other in (
        PolicyVersion.objects.select_for_update()
        .filter(status=PolicyStatus.ACTIVE)
        .exclude(pk=except_pk)
    ):
        other.status = PolicyStatus.RETIRED
        other.save(update_fields=["status"])
        record_entry(
            actor=actor, action=AuditAction.UPDATE, object_type=other._meta.label_lower,
            object_id=other.pk, object_repr=str(other)[:200],
            before={"status": PolicyStatus.ACTIVE}, after={"status": PolicyStatus.RETIRED},
        )  # fmt: skip


def write_policy(
    item: Item, before: Item | None, refs: References, actor: Actor, path: str
) -> None:
    problems = version_problems(item, before, path)
    if problems:
        raise ConfigError(problems)
    policy = Policy.objects.select_for_update().filter(name=item["name"]).first()
    policy = policy or Policy(name=item["name"])
    policy.description, policy.preset = item["description"], item["preset"]
    policy.save()
    existing = {v.number: v for v in policy.versions.select_for_update().order_by("number")}
    old_items = {v["number"]: v for v in (before or {"versions": []})["versions"]}
    for raw in item["versions"]:
        version = existing.get(raw["number"])
        old = old_items.get(raw["number"])
        if old == raw:
            continue
        if version is not None and old is not None and _content(old) != _content(raw):
            version.delete()  # a draft: nothing pins it
            version = None
        if version is None:
            version = _build(policy, raw, actor)
        version.notes = raw["notes"]
        _sign_off(version, raw, refs)
        if raw["status"] == PolicyStatus.ACTIVE:
            _retire_active(version.pk, actor)
            version.content_hash = version.content_hash or content_hash(version)
        version.status = raw["status"]
        version.save()
        record_entry(
            actor=actor, action=AuditAction.UPDATE if old else AuditAction.CREATE,
            object_type=version._meta.label_lower, object_id=version.pk,
            object_repr=str(version)[:200], before=old, after=raw,
        )  # fmt: skip
    audit(actor, policy, before, item)


def delete_policy(key: str, before: Item, actor: Actor, path: str) -> None:
    raise ConfigError([f"{path}: policies are never deleted; retire their versions instead"])
