"""Auditor exports (SPEC §10): a registry of row sources and streaming writers.

An exporter yields rows (tuples, in `columns` order) for a period; the writers turn
them into CSV, JSON or XLSX chunk by chunk, so memory stays flat whatever the size:
rows come from `QuerySet.iterator(chunk_size=…)` (a server-side cursor on
PostgreSQL) and per-chunk look-ups, never from a list of everything.

Each export's period filter is documented in docs/reports.md. Rows are ordered
deterministically so that the same data gives the same bytes (evidence packs).
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from portal.kernel.errors import DomainError
from portal.project.reports import registers
from portal.project.reports.periods import Period
from portal.project.reports.registers import DRILL_STAGES, chunks

FORMATS = ("csv", "json", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Exporter:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: Callable[[Period], Iterator[tuple[Any, ...]]]


EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter(
            "incident-register",
            "Incident register",
            registers.INCIDENT_REGISTER_COLUMNS,
            registers.incident_register,
        ),
        Exporter(
            "deadline-compliance",
            "Deadline (SLA) compliance",
            (
                "incident",
                "severity",
                "is_drill",
                "kind",
                "channel",
                "target",
                "due_at",
                "met_at",
                "outcome",
                "late_by_seconds",
                "superseded_at",
                "waived_reason",
            ),
            registers.deadline_compliance,
        ),
        Exporter(
            "postmortems",
            "Post-mortems",
            (
                "incident",
                "title",
                "severity",
                "status",
                "revision",
                "author",
                "due_at",
                "submitted_at",
                "published_at",
                "on_time",
                "summary",
                "root_cause",
            ),
            registers.postmortems,
        ),
        Exporter(
            "action-items",
            "Action items",
            (
                "incident",
                "description",
                "owner",
                "status",
                "due_date",
                "created_at",
                "completed_at",
                "age_days",
                "ticket_url",
            ),
            registers.action_items,
        ),
        Exporter(
            "drills",
            "Drills",
            (
                "planned_on",
                "status",
                "scenario",
                "severity",
                "environment",
                "facilitator",
                "practice_incident",
                "started_at",
                "completed_at",
                *(f"{s}_seconds" for s in DRILL_STAGES),
                *(f"{s}_met" for s in DRILL_STAGES),
                "gaps_found",
            ),
            registers.drills,
        ),
        Exporter(
            "policy-versions",
            "Policy versions and sign-off",
            (
                "policy",
                "version",
                "status",
                "created_at",
                "activated_at",
                "approved_by",
                "approver_name",
                "approved_at",
                "content_hash",
                "next_review_on",
                "last_validated_on",
            ),
            registers.policy_versions,
        ),
        Exporter(
            "oncall-coverage",
            "On-call coverage",
            ("schedule", "layer", "user", "start", "end", "source", "minutes"),
            registers.oncall_coverage,
        ),
        Exporter(
            "audit-log",
            "Audit log",
            (
                "seq",
                "at",
                "actor",
                "actor_user_id",
                "actor_token_id",
                "action",
                "object_type",
                "object_id",
                "object_repr",
                "before",
                "after",
                "prev_hash",
                "hash",
            ),
            registers.audit_log,
        ),
    )
}


def get_exporter(name: str) -> Exporter:
    try:
        return EXPORTERS[name]
    except KeyError:
        raise DomainError(
            f"unknown export {name!r}; use one of {', '.join(EXPORTERS)}.",
            field="name",
            code="not_found",
        ) from None


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise DomainError(
            f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}.", field="format"
        )
    return fmt


def _utc_text(value: datetime.datetime) -> str:
    if value.utcoffset():
        value = value.astimezone(datetime.UTC)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def plain(value: Any) -> Any:
    """JSON-ready value: UTC ISO datetimes ('…Z', whole seconds), ISO dates, decimals as strings."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is datetime.datetime:
        return _utc_text(value)
    if kind is datetime.date:
        return value.isoformat()
    if kind is decimal.Decimal:
        return str(value)
    return value


def csv_cell(value: Any) -> Any:
    """A CSV cell: as `plain`, with '' for null, true/false, and JSON for structures."""
    kind = type(value)
    if kind is str or kind is int:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is dict or kind is list:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return plain(value)


def stream_csv(exporter: Exporter, period: Period) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(exporter.columns)
    for chunk in chunks(exporter.rows(period), 500):
        for row in chunk:
            writer.writerow([csv_cell(v) for v in row])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def stream_json(exporter: Exporter, period: Period) -> Iterator[bytes]:
    yield b"["
    first = True
    for chunk in chunks(exporter.rows(period), 500):
        parts = []
        for row in chunk:
            item = {c: plain(v) for c, v in zip(exporter.columns, row, strict=True)}
            parts.append(
                ("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False, sort_keys=False)
            )
            first = False
        yield "".join(parts).encode()
    yield b"\n]\n"


def write_xlsx(exporter: Exporter, period: Period, out: IO[bytes]) -> None:
    """openpyxl's write-only mode streams rows to a temporary file, not to memory."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(exporter.title[:31])
    sheet.append(list(exporter.columns))
    for row in exporter.rows(period):
        sheet.append(
            [
                csv_cell(v) if isinstance(v, dict | list | bool) or v is None else plain(v)
                for v in row
            ]
        )
    workbook.save(out)


def stream(name: str, fmt: str, period: Period) -> Iterator[bytes]:
    """The export as byte chunks, in any format (XLSX goes through a temporary file)."""
    exporter = get_exporter(name)
    check_format(fmt)
    if fmt == "csv":
        return stream_csv(exporter, period)
    if fmt == "json":
        return stream_json(exporter, period)
    return _xlsx_chunks(exporter, period)


def _xlsx_chunks(exporter: Exporter, period: Period) -> Iterator[bytes]:
    with tempfile.TemporaryFile() as tmp:
        write_xlsx(exporter, period, tmp)
        tmp.seek(0)
        while block := tmp.read(64 * 1024):
            yield block


def filename(name: str, fmt: str, period: Period) -> str:
    return f"{name}_{period.first_day.isoformat()}_{period.last_day.isoformat()}.{fmt}"


def run_export(name: str, args: dict[str, Any], out: IO[bytes]) -> int:
    """For the CLI: write export `name` (args: period, format) to `out`; returns bytes written."""
    written = 0
    for block in stream(name, args["format"], args["period"]):
        out.write(block)
        written += len(block)
    return written
