"""The public status page in a real browser: an open incident and its public update."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_status_page_shows_open_incident_and_its_update(
    live_server: Any, policy: Any, system: Any
) -> None:
    from django.core.cache import caches
    from playwright.sync_api import expect, sync_playwright

    from incidents.comms.services import send_comms
    from incidents.models import Service
    from incidents.services import declare_incident

    # Given an open SEV-2 on the API with a public status-page post
    caches["status"].clear()
    api = Service.objects.create(name="API", slug="api", public=True)
    Service.objects.create(name="Web app", slug="web-app", public=True)
    incident = declare_incident(
        actor=system,
        title="Checkout errors",
        public_title="Checkout errors",
        severity="SEV-2",
        services=[api],
    )
    send_comms(
        incident=incident,
        actor=system,
        channel="status_page",
        idempotency_key=uuid.uuid4(),
        body="We're investigating failed checkouts. Next update at {next_update_at}.",
    )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.set_default_timeout(15_000)
            # When a customer opens the status page (no login)
            page.goto(f"{live_server.url}/status/")
            # Then the banner, the incident, its update and the component state show
            expect(page.locator(".banner")).to_have_text("Partial System Outage")
            article = page.locator("article.incident")
            expect(article.locator("h3")).to_have_text("Checkout errors")
            expect(article.locator(".update .body")).to_contain_text(
                "We're investigating failed checkouts."
            )
            expect(page.locator(".components li", has_text="API")).to_contain_text("Partial outage")
            expect(page.locator(".components li", has_text="Web app")).to_contain_text(
                "Operational"
            )
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "status_page.png"), full_page=True)
            # And the incident's own page opens from the list
            article.locator("h3 a").click()
            expect(page).to_have_url(f"{live_server.url}/status/incidents/{incident.ref}/")
            expect(page.locator(".update .body")).to_contain_text(
                "We're investigating failed checkouts."
            )
        finally:
            browser.close()
    assert (ARTIFACTS / "status_page.png").stat().st_size > 10_000
