"""`python manage.py setup_schedules`: install every app's `tasks.SCHEDULES` in django-q2.

The apps are listed explicitly in `portal/project/schedules.py` (the project's top
floor: it may import every app).

Upserts by name (stored as "portal:<name>"), deletes the "portal:" schedules no app
declares any more, leaves schedules created by hand alone. Running it twice changes
nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_q.models import Schedule

from portal.project.schedules import APP_SCHEDULES

PREFIX = "portal:"
FIELDS = ("func", "schedule_type", "minutes", "cron", "args", "kwargs", "repeats")


def declared_schedules(
    app_schedules: Sequence[tuple[str, Sequence[dict[str, Any]]]] = APP_SCHEDULES,
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for owner, schedules in app_schedules:
        for item in schedules:
            name = PREFIX + item["name"]
            if name in found:
                raise CommandError(f"name: schedule {item['name']!r} is declared twice.")
            unknown = set(item) - set(FIELDS) - {"name"}
            if unknown:
                raise CommandError(f"{sorted(unknown)[0]}: not a schedule field ({owner}.tasks).")
            found[name] = {k: v for k, v in item.items() if k != "name"}
    return found


class Command(BaseCommand):
    help = "Install the recurring tasks every app declares in tasks.SCHEDULES (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        wanted = declared_schedules()
        created = updated = 0
        existing = {
            s.name: s for s in Schedule.objects.select_for_update().filter(name__startswith=PREFIX)
        }
        for name, fields in wanted.items():
            fields.setdefault("repeats", -1)
            schedule = existing.get(name)
            if schedule is None:
                Schedule.objects.create(name=name, **fields)
                created += 1
                continue
            changed = [k for k, v in fields.items() if getattr(schedule, k) != v]
            if changed:
                for key in changed:
                    setattr(schedule, key, fields[key])
                schedule.save()
                updated += 1
        retired = [name for name in existing if name not in wanted]
        Schedule.objects.filter(name__in=retired).delete()
        self.stdout.write(
            f"Schedules: {created} created, {updated} updated, {len(retired)} removed, "
            f"{len(wanted) - created - updated} unchanged."
        )
