"""Policy writes: presets, versions, sign-off and activation (SPEC §2).

Presets are JSON files in `incidents/presets/`, one per playbook. Other apps add
their own parts of a preset (escalation, templates, drills…) through their
`Extension.preset_loader` (incidents/extension_point.py); it reads the app's own
preset file and runs in the same transaction, after the version is in place, in
the extensions' documented order.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from incidents.choices import PolicyStatus
from incidents.extension_point import load_preset_parts
from incidents.models import (
    ClassificationRule,
    CommsRequirement,
    Policy,
    PolicyVersion,
    SeverityLevel,
)
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import (
    record_action,
    record_bulk_update,
    record_changed,
    record_created,
)
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.model_validation import validate_model

PRESET_DIR = Path(__file__).resolve().parent / "presets"


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.json"))


def read_preset(name: str) -> dict[str, Any]:
    path = PRESET_DIR / f"{name}.json"
    if name not in preset_names():
        raise DomainError(
            f"Unknown preset {name!r}; choose one of {', '.join(preset_names())}.", field="name"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


_SIGN_OFF_FIELDS = [
    "status",
    "approved_by_id",
    "approver_name",
    "approved_at",
    "content_hash",
    "next_review_on",
    "activated_at",
]


def add_quarter(day: datetime.date) -> datetime.date:
    """The same day one quarter (three months) later, clamped to the month's end."""
    month = day.month + 3
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def _publish_on_declare(level: SeverityLevel) -> dict[str, Any]:
    """Only the non-default value is part of the content: versions signed before the
    field existed behaved as its default (publish), so their hashes stay valid."""
    return {} if level.publish_on_declare else {"publish_on_declare": False}


def _postmortem_sections(level: SeverityLevel) -> dict[str, Any]:
    """Only when set: versions signed before the field existed keep their hashes."""
    return {"postmortem_sections": level.postmortem_sections} if level.postmortem_sections else {}


def policy_content(version: PolicyVersion) -> dict[str, Any]:
    """The version's meaning as canonical data: what the content hash covers."""
    levels = []
    for level in version.levels.order_by("rank").prefetch_related("comms_requirements"):
        levels.append(
            {
                "code": level.code,
                "name": level.name,
                "rank": level.rank,
                "definition": level.definition,
                "examples": level.examples,
                "ack_target": level.ack_target,
                "mitigate_target": level.mitigate_target,
                "resolve_target": level.resolve_target,
                "update_cadence": level.update_cadence,
                "war_room_required": level.war_room_required,
                "postmortem_required": level.postmortem_required,
                "postmortem_due": level.postmortem_due,
                "who_is_paged": level.who_is_paged,
                **_publish_on_declare(level),
                **_postmortem_sections(level),
                "comms": [
                    {
                        "channel": c.channel,
                        "anchor": c.anchor,
                        "deadline": c.deadline,
                        "only_if_longer_than": c.only_if_longer_than,
                        "note": c.note,
                    }
                    for c in level.comms_requirements.order_by("id")
                ],
            }
        )
    rules = [
        {
            "level": r.level.code,
            "fact": r.fact,
            "operator": r.operator,
            "value": None if r.value is None else str(r.value.normalize()),
            "description": r.description,
        }
        for r in version.rules.select_related("level").order_by("level__rank", "id")
    ]
    return {
        "calendar": {
            "time_zone": version.time_zone,
            "working_days": version.working_days,
            "work_start": version.work_start.isoformat(),
            "work_end": version.work_end.isoformat(),
            "holiday_country": version.holiday_country,
            "holiday_subdivision": version.holiday_subdivision,
        },
        "levels": levels,
        "rules": rules,
    }


def content_hash(version: PolicyVersion) -> str:
    canonical = json.dumps(
        policy_content(version), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _clean_save(obj: Any, label: str, actor: Actor) -> None:
    validate_model(obj, where=label)
    obj.save()
    record_created(actor, obj)


def build_version(
    policy: Policy, data: dict[str, Any], *, actor: Actor | None = None
) -> PolicyVersion:
    """A new draft version of `policy` from preset-shaped `data`, every row audited."""
    actor = actor or Actor.system("policy import")
    last = policy.versions.order_by("-number").values_list("number", flat=True).first() or 0
    cal = data.get("calendar", {})
    version = PolicyVersion(
        policy=policy,
        number=last + 1,
        status=PolicyStatus.DRAFT,
        notes=cal.get("notes", ""),
        time_zone=cal.get("time_zone", "UTC"),
        working_days=cal.get("working_days", "0,1,2,3,4"),
        work_start=datetime.time.fromisoformat(cal.get("work_start", "09:00")),
        work_end=datetime.time.fromisoformat(cal.get("work_end", "17:00")),
        holiday_country=cal.get("holiday_country", ""),
        holiday_subdivision=cal.get("holiday_subdivision", ""),
    )
    sign_off = data.get("sign_off", {})
    if sign_off.get("last_validated_on"):
        version.last_validated_on = datetime.date.fromisoformat(sign_off["last_validated_on"])
    if sign_off.get("approved_on"):
        stated = f"The playbook states its sign-off: {sign_off.get('approver_name') or 'someone'}"
        stated += f" on {sign_off['approved_on']}."
        version.notes = f"{version.notes} {stated}".strip()
    _clean_save(version, "calendar", actor)
    levels: dict[str, SeverityLevel] = {}
    for raw in data.get("levels", []):
        level = SeverityLevel(
            version=version,
            **{
                k: raw.get(k, "")
                for k in (
                    "code",
                    "name",
                    "definition",
                    "examples",
                    "ack_target",
                    "mitigate_target",
                    "resolve_target",
                    "update_cadence",
                    "postmortem_due",
                    "who_is_paged",
                )
            },
            rank=raw["rank"],
            war_room_required=bool(raw.get("war_room_required", False)),
            postmortem_required=bool(raw.get("postmortem_required", False)),
            publish_on_declare=bool(raw.get("publish_on_declare", True)),
            postmortem_sections=raw.get("postmortem_sections", ""),
        )
        _clean_save(level, f"level {raw.get('code')}", actor)
        levels[level.code] = level
        for comms in raw.get("comms", []):
            _clean_save(
                CommsRequirement(
                    level=level,
                    channel=comms["channel"],
                    anchor=comms.get("anchor", "declared"),
                    deadline=comms.get("deadline", ""),
                    only_if_longer_than=comms.get("only_if_longer_than", ""),
                    note=comms.get("note", ""),
                ),
                f"{level.code} comms",
                actor,
            )
    for raw in data.get("rules", []):
        if raw["level"] not in levels:
            raise DomainError(f"Rule names unknown level {raw['level']!r}.", field="rules")
        value = raw.get("value")
        _clean_save(
            ClassificationRule(
                version=version,
                level=levels[raw["level"]],
                fact=raw["fact"],
                operator=raw["operator"],
                value=None if value is None else Decimal(str(value)),
                description=raw.get("description", ""),
            ),
            f"rule {raw.get('description')}",
            actor,
        )
    return version


@audited_service
def activate_policy_version(
    *,
    version: PolicyVersion,
    actor: Actor,
    approver_name: str = "",
    approved_at: datetime.datetime | None = None,
    next_review_on: datetime.date | None = None,
    approve: bool = True,
) -> PolicyVersion:
    """Sign off `version` and put it in force; the previous active version retires.

    The content hash is taken now; the version is read-only from here on. The next
    review defaults to one quarter after approval. With `approve=False` (a preset just
    loaded) it is in force but awaits a founder's sign-off: an approver and a date are a
    person's act, never invented by a loader. Activating an active version that awaits
    sign-off signs it off.
    """
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == PolicyStatus.ACTIVE:
        if approve and version.approved_at is None:
            return _sign_off(version, actor, approver_name, approved_at, next_review_on)
        return version
    if version.status == PolicyStatus.RETIRED:
        raise DomainError(
            "A retired version cannot come back; copy it into a new draft.", field="status"
        )
    if not version.levels.exists():
        raise DomainError("A policy needs at least one severity level.", field="levels")
    now = timezone.now()
    # Lock order: the version being activated, then the one it retires.
    retiring = list(
        PolicyVersion.objects.select_for_update(of=("self",))
        .filter(status=PolicyStatus.ACTIVE)
        .order_by("pk")
    )
    PolicyVersion.objects.filter(pk__in=[v.pk for v in retiring]).update(
        status=PolicyStatus.RETIRED
    )
    record_bulk_update(
        actor,
        PolicyVersion,
        [(v.pk, str(v), {"status": v.status}) for v in retiring],
        {"status": PolicyStatus.RETIRED},
        at=now,
    )
    before = snapshot(version, _SIGN_OFF_FIELDS, redacted=False)
    version.status = PolicyStatus.ACTIVE
    version.content_hash = content_hash(version)
    version.activated_at = now
    if approve:
        version.approved_by = actor.user
        version.approver_name = approver_name or actor.label
        version.approved_at = approved_at or now
        version.next_review_on = next_review_on or add_quarter(version.approved_at.date())
    else:
        version.next_review_on = next_review_on
    version.save()
    record_changed(actor, version, before, at=now)
    return version


def _sign_off(
    version: PolicyVersion,
    actor: Actor,
    approver_name: str,
    approved_at: datetime.datetime | None,
    next_review_on: datetime.date | None,
) -> PolicyVersion:
    """A founder signs off the version in force (it was loaded awaiting approval)."""
    if actor.user is None:
        raise DomainError(
            "Sign-off is a person's act: approve as a founder (admin, or --as USER).",
            field="approved_by",
        )
    now = timezone.now()
    before = snapshot(version, _SIGN_OFF_FIELDS, redacted=False)
    version.approved_by = actor.user
    version.approver_name = approver_name or actor.label
    version.approved_at = approved_at or now
    version.next_review_on = next_review_on or add_quarter(version.approved_at.date())
    version.save(update_fields=["approved_by", "approver_name", "approved_at", "next_review_on"])
    record_changed(actor, version, before, at=now)
    return version


@audited_service
def load_preset(
    name: str,
    *,
    actor: Actor,
    activate: bool = True,
    calendar: dict[str, str] | None = None,
) -> PolicyVersion:
    """Load preset `name` as a new version of its policy (or reuse an identical one).

    `calendar` (time_zone, working_days, work_start, work_end, holiday_country,
    holiday_subdivision) is the team's own business calendar where the playbook names
    none: business-time deadlines ("1 business day", "same day") follow it."""
    data = read_preset(name)
    if calendar:
        given = {k: v for k, v in calendar.items() if v is not None}
        data["calendar"] = {**data.get("calendar", {}), **given}
        notes = data["calendar"].get("notes", "")
        data["calendar"]["notes"] = (
            f"{notes} Business calendar given at load: "
            + ", ".join(f"{k}={v}" for k, v in sorted(given.items()))
            + "."
        ).strip()
    policy, created = Policy.objects.get_or_create(
        name=data["name"], defaults={"preset": name, "description": data.get("description", "")}
    )
    if created:
        record_created(actor, policy)
    version = build_version(policy, data, actor=actor)
    new_hash = content_hash(version)
    same = (
        policy.versions.exclude(pk=version.pk)
        .exclude(content_hash="")
        .filter(content_hash=new_hash)
        .order_by("-number")
        .first()
    )
    if same is not None and same.status != PolicyStatus.RETIRED:
        # Loading the same preset twice is a no-op: keep the version incidents may pin.
        # The draft just built goes again; its creation and removal both stay on record.
        record_action(
            actor,
            AuditAction.DELETE,
            version,
            before={"duplicate_of": same.pk},
        )
        version.delete()
        version = same
    # Loaders must be idempotent: loading the same preset again may reuse `version`.
    load_preset_parts(version, name, actor)
    if activate:
        # In force at once (incidents need a policy), awaiting a founder's sign-off: the
        # playbook's own sign-off, where it states one (000), is kept as what it says,
        # not as an approval by the portal (which showed approver "loadpolicy").
        sign_off = data.get("sign_off", {})
        version = activate_policy_version(
            version=version,
            actor=actor,
            approve=False,
            next_review_on=datetime.date.fromisoformat(sign_off["next_review_on"])
            if sign_off.get("next_review_on")
            else None,
        )
    return version


@audited_service
def copy_to_draft(*, version: PolicyVersion, actor: Actor) -> PolicyVersion:
    """A new editable draft with the same content: how an in-force policy gets edited."""
    data = policy_content(version)
    data["calendar"]["notes"] = f"Copied from v{version.number} by {actor.label}."
    return build_version(version.policy, data, actor=actor)
