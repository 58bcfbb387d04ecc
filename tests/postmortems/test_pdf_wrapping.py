"""Issue 15, seen 5: the post-mortem PDF wraps every line (nothing runs off the page)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from postmortems import exports, services
from postmortems.selectors import postmortem_by_ref

pytestmark = pytest.mark.django_db

LONG = (
    "The primary database failed its health check at 09:12 UTC after the connection "
    "pooler on the payments cluster stopped recycling idle server connections, which "
    "left every worker waiting on a socket that would never answer; retries from the "
    "checkout service then multiplied the load by a factor of eight, and the failover "
    "script, which had not been exercised since the last major version upgrade, "
    "refused to promote the replica because its replication slot lag was reported in "
    "bytes rather than seconds, so the on-call engineer promoted it by hand at 09:41 UTC."
)
# A line with no space to break at, as pasted log lines and URLs are.
UNBROKEN = "https://grafana.example.com/d/abc123/payments?orgId=1&from=now-6h&to=now&var-cluster=payments-primary-eu-west-1&var-instance=db-7"
# At 10.5 pt on A4 with 1.8 cm margins a line holds about 95 characters.
MAX_LINE = 110


def _pdf_lines(pm: Any) -> list[str]:
    reader = PdfReader(io.BytesIO(exports.to_pdf(pm)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return [line for line in text.splitlines() if line.strip()]


def test_seen_5_the_longest_field_fits_the_page_in_the_extracted_text(
    resolved_pm: Any, founder_actor: Any, complete: Any
) -> None:
    complete(resolved_pm, founder_actor, submit=False)
    services.update_postmortem(
        postmortem=resolved_pm,
        actor=founder_actor,
        changes={"root_cause": LONG, "what_didnt": f"Dashboards: {UNBROKEN}"},
    )
    pm = postmortem_by_ref(resolved_pm.incident.ref)
    lines = _pdf_lines(pm)
    longest = max(lines, key=len)
    assert len(longest) <= MAX_LINE, longest
    flat = " ".join(" ".join(lines).split())
    # Every word of the longest field is there, in order (nothing cut at the edge)
    assert " ".join(LONG.split()) in flat
    assert "replica because its replication slot lag" in flat
    assert "var-instance=db-7" in flat.replace(" ", "")


def test_seen_9_postmortem_page_has_export_buttons_that_download_it(
    client: Any, founder: Any, resolved_pm: Any
) -> None:
    client.force_login(founder)
    page = client.get(f"/admin/postmortems/postmortem/{resolved_pm.pk}/change/").content.decode()
    for dom_id in ('id="export-pdf"', 'id="export-md"', 'id="export-html"'):
        assert dom_id in page
    response = client.get(f"/admin/postmortems/postmortem/{resolved_pm.pk}/export/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    markdown = client.get(f"/admin/postmortems/postmortem/{resolved_pm.pk}/export/md/")
    assert markdown.content.decode().startswith(f"# Post-mortem: {resolved_pm.incident.ref}")
