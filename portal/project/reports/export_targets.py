"""The `manage.py export` targets: every auditor export, the evidence pack, and a
post-mortem as a document. Reports sit above every app, so they import them directly.

    manage.py export postmortem INC-20260305-01 --format md|html|pdf [--out FILE]
    manage.py export incident-register --from 2026-01-01 --to 2026-03-31 --format csv [--out FILE]
    manage.py export evidence --from 2026-01-01 --to 2026-03-31 [--out pack.zip]

CSV, JSON, Markdown and HTML go to stdout without --out; XLSX, PDF and the evidence
pack need a file (defaults: NAME_FROM_TO.xlsx, REF.pdf, evidence_FROM_TO.zip).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from portal.kernel.actors import Actor
from portal.project.reports import evidence, exporters
from portal.project.reports.periods import period_from
from portal.project.reports.services import record_export
from postmortems import exports as postmortem_exports
from postmortems.selectors import postmortem_by_ref

Target = tuple[str, Callable[[CommandParser], None], Callable[[Any, dict[str, Any]], None]]


def _period_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--from", dest="first", help="First day, YYYY-MM-DD (default: 89 days before --to)."
    )
    parser.add_argument("--to", dest="last", help="Last day, YYYY-MM-DD (default: today).")
    parser.add_argument("--out", help="Write to this file.")


def _export_arguments(parser: CommandParser) -> None:
    _period_arguments(parser)
    parser.add_argument("--format", dest="fmt", choices=exporters.FORMATS, default="csv")


def _open(path: str) -> Any:
    try:
        return Path(path).open("wb")
    except OSError as exc:
        raise CommandError(f"--out: cannot write {path}: {exc.strerror}") from None


def _export(name: str) -> Callable[[Any, dict[str, Any]], None]:
    def handle(command: Any, options: dict[str, Any]) -> None:
        period = period_from(options.get("first"), options.get("last"))
        fmt = options["fmt"]
        out = options.get("out") or (
            exporters.filename(name, fmt, period) if fmt == "xlsx" else None
        )
        record_export(name=name, fmt=fmt, period=period, actor=Actor.system("cli"))
        if out is None:
            for block in exporters.stream(name, fmt, period):
                command.stdout.write(block.decode(), ending="")
            return
        with _open(out) as handle_out:
            written = exporters.run_export(name, {"format": fmt, "period": period}, handle_out)
        command.stderr.write(f"Wrote {out} ({written} bytes).")

    return handle


def _evidence(command: Any, options: dict[str, Any]) -> None:
    period = period_from(options.get("first"), options.get("last"))
    out = options.get("out") or evidence.pack_filename(period)
    record_export(name="evidence", fmt="zip", period=period, actor=Actor.system("cli"))
    with _open(out) as handle_out:
        manifest = evidence.write_pack(period, handle_out)
    command.stderr.write(f"Wrote {out} ({len(manifest)} files + MANIFEST.sha256).")


def _postmortem_arguments(parser: CommandParser) -> None:
    parser.add_argument("ref", help="The incident's reference, e.g. INC-20260305-01.")
    parser.add_argument("--format", dest="fmt", choices=("md", "html", "pdf"), default="md")
    parser.add_argument("--out", help="Write to this file (default: stdout; REF.pdf for pdf).")


def _postmortem(command: Any, options: dict[str, Any]) -> None:
    postmortem = postmortem_by_ref(options["ref"])
    content, _, _ = postmortem_exports.export(postmortem, options["fmt"])
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


def export_targets() -> dict[str, Target]:
    """Every target, in the order `manage.py export --help` lists them."""
    targets: dict[str, Target] = {
        "postmortem": (
            "A post-mortem as Markdown, printable HTML or PDF.",
            _postmortem_arguments,
            _postmortem,
        ),
    }
    for name, exporter in exporters.EXPORTERS.items():
        targets[name] = (
            f"{exporter.title} as CSV, JSON or XLSX.",
            _export_arguments,
            _export(name),
        )
    targets["evidence"] = (
        "Evidence pack: every export, a summary (HTML, PDF) and MANIFEST.sha256, as a ZIP.",
        _period_arguments,
        _evidence,
    )
    return targets
