"""`manage.py export TARGET …`: documents and registers as files.

Each target is one sub-command with its own arguments and handler (TARGETS); other
apps add theirs by extending TARGETS. Unknown targets are refused by argparse with
one line naming the argument.

    manage.py export postmortem INC-20260305-01 --format md|html|pdf [--out FILE]

Markdown and HTML go to stdout without --out; a PDF needs a file (default REF.pdf).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from portal.command_line import OneLineErrorParser, PortalCommand
from portal.errors import DomainError


def _postmortem_arguments(parser: CommandParser) -> None:
    parser.add_argument("ref", help="The incident's reference, e.g. INC-20260305-01.")
    parser.add_argument("--format", dest="fmt", choices=("md", "html", "pdf"), default="md")
    parser.add_argument("--out", help="Write to this file (default: stdout; REF.pdf for pdf).")


def _postmortem(command: PortalCommand, options: dict[str, Any]) -> None:
    from postmortems import exports
    from postmortems.selectors import postmortem_by_ref

    postmortem = postmortem_by_ref(options["ref"])
    content, _, _ = exports.export(postmortem, options["fmt"])
    out = options.get("out")
    if options["fmt"] == "pdf" and not out:
        out = f"{postmortem.incident.ref}.pdf"
    if not out:
        command.stdout.write(content.decode(), ending="")
        return
    try:
        Path(out).write_bytes(content)
    except OSError as exc:
        raise CommandError(f"--out: cannot write {out}: {exc.strerror}") from None
    command.stderr.write(f"Wrote {out} ({len(content)} bytes).")


# name -> (help, add_arguments, handle)
TARGETS: dict[
    str,
    tuple[str, Callable[[CommandParser], None], Callable[[PortalCommand, dict[str, Any]], None]],
] = {
    "postmortem": (
        "A post-mortem as Markdown, printable HTML or PDF.",
        _postmortem_arguments,
        _postmortem,
    ),
}

# Auditor exports and the evidence pack (portal.reports): incident-register, …, evidence.
from portal.reports.export_targets import export_targets  # noqa: E402

TARGETS.update(export_targets())


class Command(PortalCommand):
    help = "Export documents and registers as files (post-mortems…)."

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
