"""`manage.py loadpolicy --list` / `manage.py loadpolicy NAME`: presets per playbook."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser

from incidents.oncall.coverage import setup_missing
from incidents.policies import activate_policy_version, load_preset, preset_names
from portal.kernel.actors import Actor
from portal.kernel.command_line import PortalCommand, manage_py
from portal.kernel.errors import DomainError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _days(text: str) -> str:
    """ "mon-fri", "mon,wed" or "0,1,2" as the policy's "0,1,2,3,4"."""
    days: list[int] = []
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        try:
            start = DAY_NAMES.index(first[:3]) if not first.isdigit() else int(first)
            end = (
                start
                if not last
                else (DAY_NAMES.index(last[:3]) if not last.isdigit() else int(last))
            )
        except ValueError:
            raise CommandError(f"--working-days: {part!r} is not a day (mon…sun or 0-6).") from None
        if not (0 <= start <= 6 and 0 <= end <= 6) or end < start:
            raise CommandError(f"--working-days: {part!r} is not a day range (mon…sun or 0-6).")
        days.extend(range(start, end + 1))
    return ",".join(str(d) for d in sorted(set(days)))


def calendar_from(options: dict[str, Any]) -> dict[str, str]:
    """The flags as the policy's calendar fields; a bad one is one line naming the flag."""
    import zoneinfo

    import holidays

    calendar: dict[str, str] = {}
    if options.get("time_zone"):
        try:
            zoneinfo.ZoneInfo(options["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"--time-zone: unknown zone {options['time_zone']!r}.") from None
        calendar["time_zone"] = options["time_zone"]
    if options.get("hours"):
        start, _, end = options["hours"].partition("-")
        try:
            first, last = datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)
        except ValueError:
            raise CommandError("--hours: use HH:MM-HH:MM, e.g. 09:00-17:30.") from None
        if last <= first:
            raise CommandError("--hours: the end must be after the start.")
        calendar["work_start"], calendar["work_end"] = first.isoformat(), last.isoformat()
    if options.get("working_days"):
        calendar["working_days"] = _days(options["working_days"])
    if options.get("holidays"):
        country, _, subdivision = options["holidays"].upper().partition("-")
        supported = holidays.list_supported_countries()
        if country not in supported:
            raise CommandError(f"--holidays: no holiday calendar for {country!r}.")
        if subdivision and subdivision not in supported[country]:
            raise CommandError(f"--holidays: {country} has no subdivision {subdivision!r}.")
        calendar["holiday_country"], calendar["holiday_subdivision"] = country, subdivision
    return calendar


def calendar_words(version: Any) -> str:
    days = ", ".join(DAY_NAMES[d].capitalize() for d in version.working_day_numbers)
    holidays_ = version.holiday_country or "no public holidays"
    if version.holiday_subdivision:
        holidays_ += f"-{version.holiday_subdivision}"
    return (
        f"{version.time_zone}, {days} {version.work_start:%H:%M}–{version.work_end:%H:%M}, "
        f"holidays: {holidays_}"
    )


class Command(PortalCommand):
    help = "Load a policy preset (one per playbook) and put it in force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="Preset name; see --list.")
        parser.add_argument(
            "--list", action="store_true", help="Print the preset names, one a line."
        )
        parser.add_argument("--no-activate", action="store_true", help="Load as a draft only.")
        parser.add_argument(
            "--approve",
            action="store_true",
            help="Sign it off as the person named by --as (a founder); audited.",
        )
        self.add_actor_argument(parser)
        calendar = parser.add_argument_group(
            "business calendar (the playbook's own where it names one; else the team's)"
        )
        calendar.add_argument("--time-zone", help="IANA zone, e.g. Europe/Berlin.")
        calendar.add_argument("--hours", help="Business hours, e.g. 09:00-17:30.")
        calendar.add_argument(
            "--working-days", help="e.g. mon-fri, mon,tue,thu or 0,1,2,3,4 (Monday=0)."
        )
        calendar.add_argument(
            "--holidays", help="Public holidays: country[-subdivision], e.g. DE or DE-BY."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for name in preset_names():
                self.stdout.write(name)
            return
        if not options["name"]:
            raise CommandError("name: give a preset name, or --list to see them.")
        calendar = calendar_from(options)
        try:
            version = load_preset(
                options["name"],
                actor=Actor.system("loadpolicy"),
                activate=not options["no_activate"],
                calendar=calendar,
            )
        except DomainError as exc:
            raise CommandError(f"{exc.field or 'name'}: {exc.message}") from None
        if options["approve"]:
            if not options.get("as_user"):
                raise CommandError("--approve: sign-off is a person's act; add --as FOUNDER.")
            try:
                version = activate_policy_version(version=version, actor=self.actor_from(options))
            except DomainError as exc:
                raise CommandError(f"{exc.field or 'approve'}: {exc.message}") from None
        codes = list(version.levels.order_by("rank").values_list("code", flat=True))
        self.stdout.write(f"{version} — levels {', '.join(codes)}")
        self.stdout.write(f"Business calendar: {calendar_words(version)}.")
        if not calendar and "names no time zone" in version.notes:
            self.stdout.write(
                "  The playbook names no business hours: give yours with --time-zone, "
                "--hours, --working-days, --holidays (business-time deadlines follow them)."
            )
        if version.approved_at is None and version.status == "active":
            self.stdout.write(
                "Awaiting a founder's sign-off: admin → Policy versions → “Sign off and "
                "activate”, or " + manage_py(f"loadpolicy {options['name']} --approve --as FOUNDER")
            )
        elif version.approved_at is not None:
            self.stdout.write(
                f"Signed off by {version.approver_name} on {version.approved_at:%Y-%m-%d}."
            )
        missing = setup_missing(codes)
        if missing:
            self.stdout.write("Before anyone can be paged:")
            for line in missing:
                self.stdout.write(f"  - {line}")
        else:
            self.stdout.write("Paging is set up: every level pages someone through a live channel.")
