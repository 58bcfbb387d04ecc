"""The founder-24x7 preset, loaded once per test database instead of once per test.

Loading a preset is ~330 queries; most tests want the same one in force. It is loaded
(committed) right after the test database is migrated, and every test's transaction
starts from it. Tests that do not ask for `policy` get the database they always had:
`remove()` deletes exactly the rows the load added, at the start of their transaction
(one DELETE per table, rolled back with the test).

The load's on-commit work (sealing its audit entries, bumping the status-page cache)
is dropped, as it was when each test loaded the preset inside its own rolled-back
transaction: the entries stay unsealed, as tests have always seen them.

The on-call rotations are the one part that depends on when the preset loads: the
loader staffs them with the users that exist then ("founder": the first active
superuser). `staff_rotations()`, called by the `policy` fixture, staffs them with the
test's users at that point, as loading the preset there would have.

A transactional test (live server, threads) flushes the database when it ends; the
preset is then loaded again (`conftest.pytest_runtest_teardown`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction

from incidents.models import Policy, PolicyVersion
from incidents.oncall.models import Rotation, RotationMember
from incidents.oncall.preset_loader import read_oncall_preset, resolve_user
from portal.audit.triggers import TABLE as AUDIT_TABLE
from portal.kernel.actors import Actor

PRESET = "founder-24x7"
AUDIT_TRIGGER = "audit_entry_append_only"


@dataclass
class SessionPreset:
    version_pk: int | None = None
    # model -> primary keys of the rows the load added
    added: dict[type[models.Model], list[object]] = field(default_factory=dict)
    # rotation pk -> the usernames the preset names as its members
    members: dict[int, list[str]] = field(default_factory=dict)

    def version(self) -> PolicyVersion | None:
        if self.version_pk is None:
            return None
        return PolicyVersion.objects.filter(pk=self.version_pk).first()

    def staff_rotations(self) -> None:
        """Staff the preset's still-empty rotations with the users that exist now."""
        for rotation in Rotation.objects.filter(
            pk__in=self.members, memberships__isnull=True
        ).order_by("pk"):
            users = [u for u in map(resolve_user, self.members[rotation.pk]) if u is not None]
            RotationMember.objects.bulk_create(
                RotationMember(rotation=rotation, user=u, position=i)
                for i, u in enumerate(users, 1)
            )

    def remove(self) -> None:
        """Delete the preset's rows. One transaction (a savepoint inside a test's): the
        foreign keys between them are checked once all are gone. On PostgreSQL the
        append-only trigger of the audit log is off meanwhile (as the table owner may,
        like the TRUNCATE of a test flush; see portal/audit/triggers.py)."""
        postgres = connection.vendor == "postgresql"
        with transaction.atomic(), connection.cursor() as cursor:
            if postgres:
                cursor.execute(f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER {AUDIT_TRIGGER}")
            for model, pks in self.added.items():
                model._base_manager.filter(pk__in=pks)._raw_delete(connection.alias)
            if postgres:
                cursor.execute(f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER {AUDIT_TRIGGER}")


SEEDED = SessionPreset()


def _rows() -> dict[type[models.Model], dict[object, tuple[object, ...]]]:
    found = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = [f.attname for f in model._meta.concrete_fields]
        found[model] = {row[0]: row for row in model._base_manager.values_list("pk", *columns)}
    return found


def load() -> None:
    """Load the preset, committed, and note which rows it added. Needs database access."""
    from incidents.policies import load_preset

    if Policy.objects.filter(preset=PRESET).exists():
        # A kept database (--reuse-db) still holds the last session's load: which rows
        # are the preset's is then unknown.
        raise RuntimeError(f"The test database already holds {PRESET}: run with --create-db.")
    before = _rows()
    with transaction.atomic():
        version = load_preset(PRESET, actor=Actor.system("test"))
        # What a test's rolled-back transaction never ran: see the module docstring.
        connection.run_on_commit.clear()
    after = _rows()
    changed = [
        f"{model._meta.label} {pk}"
        for model, rows in before.items()
        for pk, row in rows.items()
        if after[model].get(pk) != row
    ]
    if changed:
        # remove() could not give those tests the database they had: say so, loudly.
        raise RuntimeError(f"Loading {PRESET} changed rows it did not add: {changed}")
    SEEDED.version_pk = version.pk
    SEEDED.members = _rotation_members()
    SEEDED.added = {
        model: [pk for pk in rows if pk not in before[model]]
        for model, rows in after.items()
        if len(rows) > len(before[model])
    }


def _rotation_members() -> dict[int, list[str]]:
    found = {}
    for schedule in (read_oncall_preset(PRESET) or {}).get("schedules", []):
        for layer in schedule.get("layers", []):
            for rot in layer.get("rotations", []):
                rotation = Rotation.objects.get(
                    layer__schedule__name=schedule["name"],
                    layer__order=layer.get("order", 1),
                    name=rot.get("name", ""),
                )
                found[rotation.pk] = list(rot.get("members", []))
    return found
