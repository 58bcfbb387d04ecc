"""`manage.py importpolicy FILE|- --name NAME`: a playbook's severity levels into a draft.

FILE is Markdown, a web page saved from a URL (HTML), or `-` for standard input.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from portal.kernel.actors import Actor
from portal.kernel.command_line import PortalCommand
from portal.kernel.errors import DomainError
from portal.project.playbook_import import import_markdown_policy


class Command(PortalCommand):
    help = (
        "Import the severity levels of a playbook (tables, headings or lists, in Markdown "
        "or HTML) as a draft policy version, and report everything that was not read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="Markdown or saved HTML page with the playbook; '-' reads stdin."
        )
        parser.add_argument("--name", required=True, help="Policy name (new or existing).")
        parser.add_argument(
            "--source", default="", help="Where the document came from (its URL), for the notes."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"] == "-":
            text = sys.stdin.read()
            source = options["source"] or "standard input"
        else:
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"file: {path} does not exist")
            text = path.read_text(encoding="utf-8", errors="replace")
            source = options["source"] or path.name
        try:
            version, result = import_markdown_policy(
                name=options["name"],
                markdown=text,
                actor=Actor.system("importpolicy"),
                source=source,
            )
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from None
        self.stdout.write(f"{version}: {result.source}")
        for passed in result.passed_over:
            self.stdout.write(f"  {passed}")
        for level in version.levels.order_by("rank"):
            targets = ", ".join(
                f"{label} {value}"
                for label, value in (
                    ("ack", level.ack_target),
                    ("mitigate", level.mitigate_target),
                    ("resolve", level.resolve_target),
                )
                if value
            )
            self.stdout.write(f"  {level.rank}. {level}" + (f" — {targets}" if targets else ""))
        for problem in result.problems:
            self.stdout.write(f"  not read: {problem}")
        for note in result.notes:
            self.stdout.write(f"  note: {note}")
