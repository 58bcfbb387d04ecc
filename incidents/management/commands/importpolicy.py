"""`manage.py importpolicy FILE --name NAME`: a Markdown severity table into a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from incidents.exceptions import DomainError
from incidents.importer import import_markdown_policy
from portal.actors import Actor
from portal.command_line import PortalCommand


class Command(PortalCommand):
    help = "Import a severity table written in Markdown as a draft policy version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Markdown file with a severity table.")
        parser.add_argument("--name", required=True, help="Policy name (new or existing).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"file: {path} does not exist")
        try:
            version, problems = import_markdown_policy(
                name=options["name"],
                markdown=path.read_text(encoding="utf-8", errors="replace"),
                actor=Actor.system("importpolicy"),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from None
        codes = ", ".join(version.levels.order_by("rank").values_list("code", flat=True))
        self.stdout.write(f"{version} — levels {codes}")
        for problem in problems:
            self.stdout.write(f"  not read: {problem}")
