"""The evidence pack: every export (CSV + JSON), a printable summary (HTML + PDF),
every published post-mortem in full (`postmortems/<ref>.md` and `.pdf`) and a
`MANIFEST.sha256` (sha256sum format), in one ZIP.

Byte-identical for the same data and period: entries in a fixed order, every ZIP
timestamp set to the period's last day, fixed file attributes, rows in a fixed
order, "now" taken as the period end everywhere (deadline outcomes, ages), and the
PDF written in reportlab's invariant mode (fixed creation date and document id).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import IO, Any

from django.template.loader import render_to_string

from portal.project.reports import exporters
from portal.project.reports.periods import Period
from portal.project.reports.selectors import compute_metrics
from portal.project.reports.stats import human

PACK_FORMATS = ("csv", "json")


def _info(name: str, period: Period) -> zipfile.ZipInfo:
    day = period.last_day
    info = zipfile.ZipInfo(name, date_time=(max(day.year, 1980), day.month, day.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def summary_context(period: Period) -> dict[str, Any]:
    metrics = compute_metrics(period, now=period.end)
    measures = [
        ("ttd", "Time to detect"),
        ("tta", "Time to acknowledge"),
        ("ttm", "Time to mitigate"),
        ("ttr", "Time to resolve"),
    ]

    def table(groups: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "cells": [
                    (human(s[m].mean), human(s[m].median), human(s[m].p90), s[m].count)
                    for m, _ in measures
                ],
            }
            for name, s in groups.items()
        ]

    return {
        "period": period,
        "metrics": metrics,
        "measures": measures,
        "overall": table({"All severities": metrics.overall}),
        "severity_rows": table(metrics.by_severity),
        "service_rows": table(metrics.by_service),
        "action_open_age": human(
            metrics.action_items["open_age"].median if metrics.action_items else None
        ),
        "drill_stages": [
            (name, human(s.median), s.count)
            for name, s in (metrics.drills.get("stages") or {}).items()
        ],
        "exports": [(e.name, e.title) for e in exporters.EXPORTERS.values()],
    }


def summary_html(period: Period) -> str:
    return render_to_string("reports/summary.html", summary_context(period))


def summary_pdf(html: str) -> bytes:
    from reportlab import rl_config
    from xhtml2pdf import pisa

    out = io.BytesIO()
    previous = rl_config.invariant
    rl_config.invariant = 1  # fixed /CreationDate, /ModDate and /ID
    try:
        result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    finally:
        rl_config.invariant = previous
    if result.err:
        raise RuntimeError("the summary PDF could not be rendered")
    return out.getvalue()


def _audit_head() -> bytes:
    """The sealed audit chain's head when the pack was made: `audit verify --expect` it later."""
    from portal.audit.selectors import verify_chain

    report = verify_chain()
    state = "intact" if report.ok else f"BROKEN: {report.first_break.describe()}"  # type: ignore[union-attr]
    return (
        f"{report.head}\n"
        f"# COUNT:HASH of the audit chain ({state}, {report.pending} entries waiting).\n"
        f"# Check later: python manage.py audit verify --expect {report.head}\n"
    ).encode()


def published_postmortems(period: Period) -> list[Any]:
    """Every published post-mortem of an incident declared, or published, in the period."""
    from django.db.models import Q

    from postmortems.choices import PostMortemStatus
    from postmortems.models import PostMortem
    from postmortems.selectors import postmortem_by_ref

    refs = (
        PostMortem.objects.filter(status=PostMortemStatus.PUBLISHED, published_at__lt=period.end)
        .filter(
            Q(incident__declared_at__gte=period.start, incident__declared_at__lt=period.end)
            | Q(published_at__gte=period.start)
        )
        .order_by("incident__ref")
        .values_list("incident__ref", flat=True)
    )
    return [postmortem_by_ref(ref) for ref in refs]


def postmortem_documents(period: Period) -> list[tuple[str, bytes]]:
    """(file name, bytes) of each published post-mortem in full: Markdown and PDF."""
    from postmortems import exports

    documents: list[tuple[str, bytes]] = []
    for pm in published_postmortems(period):
        ref = pm.incident.ref
        documents.append(
            (f"postmortems/{ref}.md", exports.to_markdown(pm, now=period.end).encode())
        )
        documents.append(
            (f"postmortems/{ref}.pdf", exports.to_pdf(pm, now=period.end, invariant=True))
        )
    return documents


def write_pack(period: Period, out: IO[bytes]) -> list[tuple[str, str]]:
    """Write the ZIP to `out` (a binary file); returns the manifest [(sha256, name)]."""
    from portal.audit.sealing import seal_pending

    # The audit log goes in sealed: every entry with its place in the chain.
    seal_pending()
    manifest: list[tuple[str, str]] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as pack:
        for name in sorted(exporters.EXPORTERS):
            for fmt in PACK_FORMATS:
                filename = f"{name}.{fmt}"
                digest = hashlib.sha256()
                with pack.open(_info(filename, period), "w") as entry:
                    for block in exporters.stream(name, fmt, period):
                        digest.update(block)
                        entry.write(block)
                manifest.append((digest.hexdigest(), filename))
        html = summary_html(period).encode()
        for filename, content in (
            ("summary.html", html),
            ("summary.pdf", summary_pdf(html.decode())),
            ("audit-head.txt", _audit_head()),
            *postmortem_documents(period),
        ):
            pack.writestr(_info(filename, period), content)
            manifest.append((hashlib.sha256(content).hexdigest(), filename))
        manifest.sort(key=lambda item: item[1])
        lines = "".join(f"{digest}  {filename}\n" for digest, filename in manifest)
        pack.writestr(_info("MANIFEST.sha256", period), lines.encode())
    return manifest


def pack_filename(period: Period) -> str:
    return f"evidence_{period.first_day.isoformat()}_{period.last_day.isoformat()}.zip"
