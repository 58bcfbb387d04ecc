"""Markdown, printable HTML and PDF exports; the `export postmortem` command."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from postmortems import exports


@pytest.fixture
def filled(resolved_pm: Any, founder_actor: Any, complete: Any) -> Any:
    from postmortems.selectors import postmortem_by_ref

    pm = complete(resolved_pm, founder_actor, submit=False)
    return postmortem_by_ref(pm.incident.ref)


def test_markdown_has_every_section_and_a_utc_timeline(filled: Any) -> None:
    text = exports.to_markdown(filled)
    assert text.startswith(f"# Post-mortem: {filled.incident.ref} — Checkout errors")
    for heading in (
        "## Summary",
        "## Root cause (technical)",
        "## Contributing causes (process, organisational)",
        "## What worked",
        "## What didn't",
        "## Timeline (UTC)",
        "## Customer impact",
        "## Action items",
    ):
        assert heading in text
    assert "- **Duration:** 4 h 0 min" in text
    assert "| 2026-03-05 10:00:00 UTC | SEV-2 declared: Checkout errors |" in text
    assert (
        "| 1 | Cap retries with jitter | founder | 2026-03-20 | Open | https://linear.app/acme/issue/OPS-12 |"
        in text
    )
    assert "- **Revenue impact:** 1800.00 EUR" in text


def test_html_is_printable(filled: Any) -> None:
    html = exports.to_html(filled)
    assert "@page" in html
    assert "@media print" in html
    assert "Connection pool exhausted by a retry storm" in html


def test_pdf_opens_and_contains_the_root_cause(filled: Any) -> None:
    pdf = exports.to_pdf(filled)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert pdf.startswith(b"%PDF")
    assert "Connection pool exhausted by a retry storm" in " ".join(text.split())
    assert filled.incident.ref in text


def test_export_command_writes_markdown_to_stdout(filled: Any) -> None:
    out = io.StringIO()
    call_command("export", "postmortem", filled.incident.ref, "--format", "md", stdout=out)
    assert "## Root cause (technical)" in out.getvalue()


def test_export_command_writes_a_pdf_file(filled: Any, tmp_path: Path) -> None:
    target = tmp_path / "pm.pdf"
    call_command(
        "export",
        "postmortem",
        filled.incident.ref.lower(),
        "--format",
        "pdf",
        "--out",
        str(target),
        stderr=io.StringIO(),
    )
    assert target.read_bytes().startswith(b"%PDF")


def test_export_command_errors_name_the_argument(filled: Any) -> None:
    with pytest.raises(CommandError, match="ref: No post-mortem for 'INC-19990101-01'"):
        call_command("export", "postmortem", "INC-19990101-01")
    with pytest.raises(CommandError, match="invalid choice: 'incidentz'"):
        call_command("export", "incidentz")
    with pytest.raises(CommandError, match="argument --format: invalid choice: 'docx'"):
        call_command("export", "postmortem", filled.incident.ref, "--format", "docx")
