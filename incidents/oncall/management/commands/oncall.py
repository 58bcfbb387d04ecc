"""`python manage.py oncall now [--at ISO] [--schedule NAME]`: who is on call."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents.oncall.models import Schedule
from incidents.oncall.selectors import who_is_on_call


class Command(BaseCommand):
    help = "Show who is on call now (or at --at) in every schedule and layer."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        now = sub.add_parser("now", help="Who is on call (now or --at).")
        now.add_argument(
            "--at", help="ISO 8601 time, e.g. 2026-03-29T02:30:00+01:00 (default: now)."
        )
        now.add_argument("--schedule", help="Only this schedule (by name).")

    def handle(self, *args: Any, **options: Any) -> None:
        at = timezone.now()
        if options.get("at"):
            parsed = parse_datetime(options["at"])
            if parsed is None:
                raise CommandError(f"at: {options['at']!r} is not an ISO 8601 date-time.")
            at = parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=datetime.UTC)
        schedules = None
        if options.get("schedule"):
            schedules = Schedule.objects.filter(name=options["schedule"])
            if not schedules.exists():
                raise CommandError(f"schedule: no schedule named {options['schedule']!r}.")
        entries = who_is_on_call(at, schedules=schedules)
        self.stdout.write(f"On call at {at:%Y-%m-%d %H:%M}Z:")
        if not entries:
            self.stdout.write("  nobody (no schedule has a shift at this time)")
        for e in entries:
            end = f"{e.shift_end:%Y-%m-%d %H:%M}Z" if e.shift_end else "open"
            flag = " [override]" if e.is_override else ""
            self.stdout.write(
                f"  {e.schedule.name} / {e.layer.name}: {e.user.get_username()}"
                f" ({e.shift_start:%Y-%m-%d %H:%M}Z – {end}){flag}"
            )
