"""`manage.py export TARGET …`: documents and registers as files.

Each target is one sub-command with its own arguments and handler
(`portal/project/reports/export_targets.py`: post-mortems, every auditor export, the evidence
pack). Unknown targets are refused by argparse with one line naming the argument.

    manage.py export postmortem INC-20260305-01 --format md|html|pdf [--out FILE]
    manage.py export incident-register --from 2026-01-01 --to 2026-03-31 --format csv

Markdown, HTML, CSV and JSON go to stdout without --out; a PDF, XLSX or the evidence
pack needs a file (see `export_targets` for the default names).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from portal.kernel.command_line import OneLineErrorParser, PortalCommand
from portal.kernel.errors import DomainError
from portal.project.reports.export_targets import export_targets

TARGETS = export_targets()


class Command(PortalCommand):
    help = "Export documents and registers as files (post-mortems, auditor exports, evidence)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="target", required=True, parser_class=OneLineErrorParser, metavar="target"
        )
        for name, (text, add_arguments, _) in TARGETS.items():
            add_arguments(sub.add_parser(name, help=text))

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["target"]
        if target not in TARGETS:
            raise CommandError(
                f"target: unknown export {target!r}; use one of {', '.join(TARGETS)}."
            )
        try:
            TARGETS[target][2](self, options)
        except DomainError as exc:
            raise CommandError(f"{exc.field or target}: {exc.message}") from None
