"""`manage.py loadpolicy --list` / `manage.py loadpolicy NAME`: presets per playbook."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from incidents.oncall.coverage import setup_missing
from incidents.policies import activate_policy_version, load_preset, preset_names
from portal.kernel.actors import Actor
from portal.kernel.command_line import PortalCommand, manage_py
from portal.kernel.errors import DomainError


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

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for name in preset_names():
                self.stdout.write(name)
            return
        if not options["name"]:
            raise CommandError("name: give a preset name, or --list to see them.")
        try:
            version = load_preset(
                options["name"],
                actor=Actor.system("loadpolicy"),
                activate=not options["no_activate"],
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
