"""`manage.py oncall now|check|member|override`: who is on call, coverage gaps, and the
roster without the admin.

    oncall now [--at ISO] [--schedule NAME]
    oncall check [--days 14] [--from ISO]
    oncall member add|remove SCHEDULE USERNAME [--layer NAME] [--rotation NAME] [--position N]
    oncall member list SCHEDULE
    oncall override add SCHEDULE USERNAME --start ISO --end ISO [--layer NAME] [--reason TEXT]
    oncall override remove ID
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents.oncall import roster
from incidents.oncall.coverage import coverage_report
from incidents.oncall.models import RotationMember, Schedule
from incidents.oncall.selectors import who_is_on_call
from portal.access.responders import find_user
from portal.kernel.actors import Actor
from portal.kernel.command_line import PortalCommand
from portal.kernel.errors import DomainError


def _when(value: str, field: str) -> datetime.datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"{field}: {value!r} is not an ISO 8601 date-time.")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=datetime.UTC)


class Command(PortalCommand):
    help = "On-call: who is on call, coverage gaps, rotation members and overrides."

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_actor_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        now = sub.add_parser("now", help="Who is on call (now or --at).")
        now.add_argument(
            "--at", help="ISO 8601 time, e.g. 2026-03-29T02:30:00+01:00 (default: now)."
        )
        now.add_argument("--schedule", help="Only this schedule (by name).")
        check = sub.add_parser("check", help="Hours with nobody on call, per schedule.")
        check.add_argument("--days", type=int, default=14)
        check.add_argument("--from", dest="start", help="ISO 8601 start (default: now).")
        member = sub.add_parser("member", help="Add, remove or list rotation members.")
        member.add_argument("verb", choices=("add", "remove", "list"))
        member.add_argument("schedule")
        member.add_argument("username", nargs="?")
        member.add_argument("--layer")
        member.add_argument("--rotation")
        member.add_argument("--position", type=int)
        override = sub.add_parser("override", help="Add or remove an override.")
        override.add_argument("verb", choices=("add", "remove"))
        override.add_argument("target", help="SCHEDULE (add) or override ID (remove).")
        override.add_argument("username", nargs="?")
        override.add_argument("--layer")
        override.add_argument("--start")
        override.add_argument("--end")
        override.add_argument("--reason", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self.actor_from(options)
        try:
            getattr(self, f"_{options['action']}")(options, actor)
        except DomainError as exc:
            raise CommandError(f"{exc.field or options['action']}: {exc.message}") from None

    def _now(self, options: dict[str, Any], actor: Actor) -> None:
        at = _when(options["at"], "at") if options.get("at") else timezone.now()
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

    def _check(self, options: dict[str, Any], actor: Actor) -> None:
        if not 1 <= options["days"] <= 366:
            raise CommandError("days: give 1 to 366.")
        start = _when(options["start"], "from") if options.get("start") else timezone.now()
        text, _ = coverage_report(start, options["days"])
        self.stdout.write(text)

    def _member(self, options: dict[str, Any], actor: Actor) -> None:
        rotation = roster.find_rotation(
            options["schedule"], options.get("layer"), options.get("rotation")
        )
        if options["verb"] == "list":
            for m in RotationMember.objects.filter(rotation=rotation).select_related("user"):
                self.stdout.write(
                    str(m) if m.user is None else f"{m.position}. {m.user.get_username()}"
                )
            return
        if not options.get("username"):
            raise CommandError("username: give the user to add or remove.")
        user = find_user(options["username"])
        if options["verb"] == "add":
            member = roster.add_rotation_member(
                rotation=rotation, user=user, actor=actor, position=options.get("position")
            )
            self.stdout.write(f"{user.get_username()} is number {member.position} in {rotation}.")
        else:
            roster.remove_rotation_member(rotation=rotation, user=user, actor=actor)
            self.stdout.write(f"{user.get_username()} removed from {rotation}.")

    def _override(self, options: dict[str, Any], actor: Actor) -> None:
        if options["verb"] == "remove":
            if not options["target"].isdigit():
                raise CommandError("id: give the override's number.")
            roster.delete_override(override_id=int(options["target"]), actor=actor)
            self.stdout.write(f"Override {options['target']} removed.")
            return
        if not options.get("username"):
            raise CommandError("username: give who takes the shift.")
        if not options.get("start") or not options.get("end"):
            raise CommandError("start: give --start and --end (ISO 8601).")
        override = roster.add_override(
            layer=roster.find_layer(options["target"], options.get("layer")),
            user=find_user(options["username"]),
            start=_when(options["start"], "start"),
            end=_when(options["end"], "end"),
            reason=options["reason"],
            actor=actor,
        )
        self.stdout.write(f"Override {override.pk}: {override}")
