"""Post-mortem documents: Markdown (to commit next to the code), printable HTML and PDF.

All times are UTC. The PDF is the HTML template rendered by xhtml2pdf (pure Python,
no system libraries), so the three formats never drift apart.
"""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from portal.kernel.errors import DomainError
from postmortems.models import PostMortem
from postmortems.sections import PLAYBOOK_SECTIONS, WRITE_UP
from postmortems.selectors import included_timeline

FORMATS = ("md", "html", "pdf")


def utc(at: datetime.datetime | None) -> str:
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else "—"


def human_duration(delta: datetime.timedelta | None) -> str:
    if delta is None:
        return "unresolved"
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours or days:
        parts.append(f"{hours} h")
    parts.append(f"{mins} min")
    return " ".join(parts)


def context(postmortem: PostMortem, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    incident = postmortem.incident
    impact = postmortem.revenue_impact
    return {
        "pm": postmortem,
        "incident": incident,
        "severity": f"{incident.severity.code} {incident.severity.name}".strip(),
        "duration": human_duration(postmortem.duration),
        "impact_started": utc(postmortem.impact_started_at),
        "resolved": utc(incident.resolved_at),
        "due": utc(postmortem.due_at) if postmortem.due_at else "no due date",
        "published": utc(postmortem.published_at) if postmortem.published_at else "not published",
        # A playbook section (resolution, prevention, data lost) only where it is written
        # or the level asks for it: other playbooks' documents do not grow empty headings.
        "sections": [
            (title, getattr(postmortem, name))
            for name, title in WRITE_UP
            if name not in PLAYBOOK_SECTIONS
            or getattr(postmortem, name).strip()
            or name in postmortem.incident.severity.postmortem_sections
        ],
        "timeline": [(utc(e.at), e.text) for e in included_timeline(postmortem)],
        "revenue": f"{impact} {postmortem.revenue_currency}".strip()
        if impact is not None
        else "none recorded",
        "customers": postmortem.customers_affected
        if postmortem.customers_affected is not None
        else "unknown",
        "action_items": [
            {
                "description": i.description,
                "owner": i.owner.get_username() if i.owner else "—",
                "due": f"{i.due_date:%Y-%m-%d}" if i.due_date else "—",
                "status": i.get_status_display(),
                "ticket": i.ticket_url,
                "labels": ", ".join(i.labels or []),
            }
            for i in postmortem.action_items.all()
        ],
        "services": ", ".join(s.name for s in incident.services.all()),
        "customer_impact": postmortem.customer_impact_summary,
        "title": incident.title,
        "generated": utc(now or timezone.now()),
    }


def _md_text(text: str) -> str:
    return text.strip() or "_(empty)_"


def _md_cell(text: str) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def to_markdown(postmortem: PostMortem, *, now: datetime.datetime | None = None) -> str:
    c = context(postmortem, now=now)
    incident = c["incident"]
    lines = [
        f"# Post-mortem: {incident.ref} — {incident.title}",
        "",
        f"- **Incident:** {incident.ref}",
        f"- **Severity:** {c['severity']}",
        f"- **Impact started:** {c['impact_started']}",
        f"- **Resolved:** {c['resolved']}",
        f"- **Duration:** {c['duration']}",
        f"- **Services:** {c['services'] or '—'}",
        f"- **Status:** {postmortem.get_status_display()} (revision {postmortem.revision}, {c['published']})",
        f"- **Due:** {c['due']}",
        "",
        "This post-mortem is blameless: it describes systems and decisions, not culprits.",
        "",
    ]
    for title, text in c["sections"]:
        lines += [f"## {title}", "", _md_text(text), ""]
    lines += ["## Timeline (UTC)", "", "| Time (UTC) | What happened |", "|---|---|"]
    lines += [f"| {at} | {_md_cell(text)} |" for at, text in c["timeline"]] or ["| — | — |"]
    lines += [
        "",
        "## Customer impact",
        "",
        _md_text(postmortem.customer_impact_summary),
        "",
        f"- **Customers affected:** {c['customers']}",
        f"- **Revenue impact:** {c['revenue']}",
        "",
        "## Action items",
        "",
        "| # | Action | Owner | Due | Status | Ticket |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {n} | {_md_cell(i['description'])} | {i['owner']} | {i['due']} | {i['status']} | {i['ticket'] or '—'} |"
        for n, i in enumerate(c["action_items"], start=1)
    ] or ["| — | — | — | — | — | — |"]
    lines += ["", f"_Exported {c['generated']}._", ""]
    return "\n".join(lines)


def to_html(postmortem: PostMortem) -> str:
    return render_to_string("postmortems/export.html", context(postmortem))


# Longer than this, a token (a URL, a pasted log line) gets break opportunities in the
# PDF: the PDF engine cannot break inside a word, and the text would run off the page.
PDF_MAX_TOKEN = 45
_LONG_TOKEN = re.compile(r"\S{" + str(PDF_MAX_TOKEN + 1) + ",}")


def soft_break(text: Any) -> Any:
    """`text` with a space every PDF_MAX_TOKEN characters inside over-long tokens."""
    if not isinstance(text, str):
        return text

    def split(match: re.Match[str]) -> str:
        token = match.group(0)
        return " ".join(token[i : i + PDF_MAX_TOKEN] for i in range(0, len(token), PDF_MAX_TOKEN))

    return _LONG_TOKEN.sub(split, text)


def pdf_context(postmortem: PostMortem, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The HTML context with over-long tokens broken, for the PDF only."""
    c = context(postmortem, now=now)
    c["sections"] = [(title, soft_break(text)) for title, text in c["sections"]]
    c["timeline"] = [(at, soft_break(text)) for at, text in c["timeline"]]
    c["action_items"] = [
        {
            **item,
            "description": soft_break(item["description"]),
            "ticket_text": soft_break(item["ticket"]),
        }
        for item in c["action_items"]
    ]
    c["customer_impact"] = soft_break(postmortem.customer_impact_summary)
    c["title"] = soft_break(postmortem.incident.title)
    return c


def to_pdf(
    postmortem: PostMortem, *, now: datetime.datetime | None = None, invariant: bool = False
) -> bytes:
    """The PDF; `invariant` (with `now`) gives the same bytes for the same data."""
    from reportlab import rl_config
    from xhtml2pdf import pisa

    out = io.BytesIO()
    html = render_to_string("postmortems/export.html", pdf_context(postmortem, now=now))
    previous = rl_config.invariant
    rl_config.invariant = 1 if invariant else previous
    try:
        result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    finally:
        rl_config.invariant = previous
    if result.err:
        raise DomainError("The PDF could not be rendered.", field="format")
    return out.getvalue()


def export(postmortem: PostMortem, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of `postmortem` in format `fmt`."""
    name = f"postmortem-{postmortem.incident.ref}"
    if fmt == "md":
        return to_markdown(postmortem).encode(), "text/markdown; charset=utf-8", f"{name}.md"
    if fmt == "html":
        return to_html(postmortem).encode(), "text/html; charset=utf-8", f"{name}.html"
    if fmt == "pdf":
        return to_pdf(postmortem), "application/pdf", f"{name}.pdf"
    raise DomainError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.", field="format")
