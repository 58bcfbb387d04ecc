"""The cross-check: hour by hour, who the vendor says is on call against who the portal
will have once the migration is applied.

The vendor's side is `vendor_oncall` (the vendor's rule on the vendor's data). The
portal's side is the portal's own resolution (`who_is_on_call`) of the planned
schedules: they are applied inside a transaction that is rolled back, so what is
compared is exactly what `config apply` would write, and nothing is kept.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction

from incidents.oncall.models import Schedule
from incidents.oncall.selectors import who_is_on_call
from portal.kernel.actors import Actor
from portal.project.configuration.errors import ConfigError
from portal.project.configuration.export import user_ref
from portal.project.configuration.plan import apply_configuration
from portal.project.vendor_import.build import MigrationResult

DAYS = 14
_HOUR = datetime.timedelta(hours=1)


@dataclass
class Mismatch:
    schedule: str
    start: datetime.datetime
    end: datetime.datetime
    vendor: tuple[str, ...]
    portal: tuple[str, ...]


@dataclass
class CrossCheck:
    start: datetime.datetime
    hours: int
    mismatches: list[Mismatch] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    def lines(self, vendor: str) -> list[str]:
        hours = sum((m.end - m.start) // _HOUR for m in self.mismatches)
        out = [
            f"Cross-check of who is on call, hour by hour for {self.hours // 24} days from "
            f"{self.start:%Y-%m-%d %H:%M} UTC: {hours} mismatched hour(s) in "
            f"{len(self.mismatches)} stretch(es)."
        ]
        for m in self.mismatches:
            out.append(
                f"  ! schedule {m.schedule}, {m.start:%Y-%m-%d %H:%M}–{m.end:%Y-%m-%d %H:%M} UTC: "
                f"{vendor} has {_people(m.vendor)}; the portal will have {_people(m.portal)}"
            )
        out += [f"  ? {line}" for line in self.unchecked]
        return out


def _people(refs: tuple[str, ...]) -> str:
    return ", ".join(refs) if refs else "nobody"


def cross_check(
    result: MigrationResult, *, start: datetime.datetime, days: int = DAYS
) -> CrossCheck:
    """Compare, at the start of each hour of `days` days from `start` (rounded down to
    the hour), the vendor's on-call of every migrated schedule with the portal's."""
    start = start.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    check = CrossCheck(start, days * 24)
    checked = []
    for schedule in result.vendor_schedules:
        if schedule.unchecked:
            check.unchecked.append(
                f"schedule {schedule.name}: not checked ({schedule.unchecked}; the "
                "cross-check does not follow that rule)"
            )
        else:
            checked.append(schedule)
    instants = [start + k * _HOUR for k in range(days * 24)]
    try:
        portal = _portal_on_call(result, [s.name for s in checked], instants)
    except ConfigError as exc:
        check.unchecked.append(f"the plan could not be applied: {'; '.join(exc.problems)}")
        return check
    for schedule in checked:
        open_: Mismatch | None = None
        for at in instants:
            vendor = tuple(sorted(_ref(result, user) for user in schedule.on_call(at)))
            ours = portal.get((schedule.name, at), ())
            if vendor == ours:
                open_ = None
                continue
            if open_ is not None and (open_.vendor, open_.portal) == (vendor, ours):
                open_.end = at + _HOUR
                continue
            open_ = Mismatch(schedule.name, at, at + _HOUR, vendor, ours)
            check.mismatches.append(open_)
    return check


def _ref(result: MigrationResult, vendor_id: str) -> str:
    ref, name = result.people.get(vendor_id, (None, vendor_id))
    return ref or f"{name} (no portal user)"


def _portal_on_call(
    result: MigrationResult, names: list[str], instants: list[datetime.datetime]
) -> dict[tuple[str, datetime.datetime], tuple[str, ...]]:
    document = {"version": 1, "schedules": result.document["schedules"]}
    found: dict[tuple[str, datetime.datetime], tuple[str, ...]] = {}
    with transaction.atomic():
        apply_configuration(
            document=document, actor=Actor.system("migrate_oncall cross-check"), prune=False
        )
        schedules = Schedule.objects.filter(name__in=names)
        for at in instants:
            people: dict[str, set[str]] = {}
            for entry in who_is_on_call(at, schedules=schedules):
                people.setdefault(entry.schedule.name, set()).add(str(user_ref(entry.user)))
            for name, refs in people.items():
                found[(name, at)] = tuple(sorted(refs))
        transaction.set_rollback(True)  # a dry run: nothing of the plan is kept
    return found
