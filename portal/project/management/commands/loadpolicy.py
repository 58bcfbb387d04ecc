"""`manage.py loadpolicy --list` / `manage.py loadpolicy NAME`: presets per playbook."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from incidents.oncall.coverage import setup_missing
from incidents.policies import load_preset, preset_names
from portal.kernel.actors import Actor
from portal.kernel.command_line import PortalCommand
from portal.kernel.errors import DomainError


class Command(PortalCommand):
    help = "Load a policy preset (one per playbook) and put it in force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="Preset name; see --list.")
        parser.add_argument(
            "--list", action="store_true", help="Print the preset names, one a line."
        )
        parser.add_argument("--no-activate", action="store_true", help="Load as a draft only.")

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
        codes = list(version.levels.order_by("rank").values_list("code", flat=True))
        self.stdout.write(f"{version} — levels {', '.join(codes)}")
        missing = setup_missing(codes)
        if missing:
            self.stdout.write("Before anyone can be paged:")
            for line in missing:
                self.stdout.write(f"  - {line}")
        else:
            self.stdout.write("Paging is set up: every level pages someone through a live channel.")
