"""Issue 14, "No Content-Security-Policy header": every page sends one (django-csp)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/status/", "/admin/login/", "/api/v1/docs/"])
def test_pages_send_a_content_security_policy(client: Any, policy: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    assert "default-src 'self'" in header
    assert "frame-ancestors 'none'" in header
    assert "'unsafe-inline'" not in header.split("script-src", 1)[1].split(";", 1)[0]


def test_only_the_api_docs_may_load_swagger_from_its_cdn(client: Any, policy: Any) -> None:
    assert "cdn.jsdelivr.net" in client.get("/api/v1/docs/")["Content-Security-Policy"]
    assert "cdn.jsdelivr.net" not in client.get("/status/")["Content-Security-Policy"]
    # The docs page itself has no inline script (it would be blocked).
    assert "<script>" not in client.get("/api/v1/docs/").content.decode()


def test_no_template_of_the_portal_has_an_inline_script() -> None:
    """Issue 25: the cockpit's inline countdown script was refused by `script-src 'self'`
    and its countdowns never ticked. Every script is a file (`<script src=…>`)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for folder in ("incidents", "postmortems", "drills", "portal")
        for path in (root / folder).rglob("templates/**/*.html")
        for match in inline.finditer(path.read_text())
    ]
    assert offenders == []


def test_every_page_has_a_favicon(client: Any, policy: Any) -> None:
    """Issue 25: /favicon.ico was a 404 logged on every page."""
    for url in ("/admin/login/", "/status/"):
        assert 'rel="icon" href="/static/portal/favicon.svg"' in client.get(url).content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/portal/favicon.svg"
    from django.contrib.staticfiles import finders

    assert finders.find("portal/favicon.svg")
