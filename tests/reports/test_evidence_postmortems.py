"""Issue 15, seen 9: the evidence pack carries every published post-mortem in full."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from pypdf import PdfReader

from portal.kernel.actors import Actor
from tests.reports.conftest import T0

pytestmark = pytest.mark.django_db
WHAT_DIDNT = "The failover script refused to promote the replica because lag was in bytes."


def _publish(incident: Any, founder: Any) -> Any:
    from postmortems import services

    actor = Actor.for_user(founder)
    pm = incident.postmortem
    services.update_postmortem(
        postmortem=pm,
        actor=actor,
        changes={
            "root_cause": "Connection pool exhausted by a retry storm.",
            "contributing_causes": "No load test of the retry policy.",
            "what_worked": "Rollback in four minutes.",
            "what_didnt": WHAT_DIDNT,
            "customer_impact_summary": "Checkout failed for one in five customers.",
        },
    )
    services.create_action_item(
        actor=actor,
        postmortem=pm,
        description="Cap retries with jitter",
        owner=founder,
        due_date=datetime.date(2026, 3, 20),
    )
    services.submit_for_review(postmortem=pm, actor=actor, reviewers=[founder])
    return services.publish_postmortem(postmortem=pm, actor=actor)


def test_seen_9_evidence_pack_has_each_published_postmortem_as_markdown_and_pdf(
    history: Any, founder: Any, tmp_path: Path
) -> None:
    sev1 = history["sev1"]
    sev1.refresh_from_db()
    with time_machine.travel(T0 + datetime.timedelta(days=1), tick=False):
        _publish(sev1, founder)
    out = tmp_path / "pack.zip"
    call_command(
        "export", "evidence", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out)
    )
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert f"postmortems/{sev1.ref}.md" in names
        assert f"postmortems/{sev1.ref}.pdf" in names
        markdown = zf.read(f"postmortems/{sev1.ref}.md").decode()
        # In full: every section, not only the summary and the root cause
        for part in (
            "## Contributing causes",
            "## What worked",
            WHAT_DIDNT,
            "## Timeline (UTC)",
            "Cap retries with jitter",
            "Checkout failed for one in five customers.",
        ):
            assert part in markdown
        pdf_text = " ".join(
            page.extract_text()
            for page in PdfReader(io.BytesIO(zf.read(f"postmortems/{sev1.ref}.pdf"))).pages
        )
        assert "Cap retries with jitter" in " ".join(pdf_text.split())
        manifest = zf.read("MANIFEST.sha256").decode()
        assert f"postmortems/{sev1.ref}.pdf" in manifest
    # Still byte-identical across runs
    again = tmp_path / "again.zip"
    with time_machine.travel("2026-06-01 10:00Z"):
        call_command(
            "export", "evidence", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(again)
        )
    assert again.read_bytes() == out.read_bytes()
