"""Run an incident end to end in a real browser: declare, acknowledge, update, resolve."""

from __future__ import annotations

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


@pytest.fixture
def page() -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def status_shown(page: Any) -> str:
    return page.locator("#cockpit-status").inner_text().strip()


def timeline_text(page: Any) -> str:
    return page.locator("#cockpit-timeline").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_run_an_incident_from_the_admin(
    live_server: Any, page: Any, founder: Any, policy: Any
) -> None:
    from playwright.sync_api import expect

    from incidents.models import Incident

    # Given the founder logged into the admin
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "founder")
    page.fill("#id_password", "pw-founder-1")
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_contain_text("Incident portal")

    # When they open "Declare incident" and ask for a suggestion from the facts
    page.click("#declare-incident")
    page.fill("#id_title", "Checkout returns 500")
    page.fill("#id_summary", "Card payments fail for everyone")
    page.select_option("#id_detection_source", "monitoring_alert")
    page.fill("#id_customers_affected_pct", "60")
    page.check("#id_production_outage")
    page.click("input[name=_suggest]")
    # Then the suggested level and its reasons are shown, and pre-selected
    expect(page.locator("#severity-suggestion")).to_contain_text("Suggested severity: SEV-")
    suggested = page.locator("#id_severity").input_value()
    assert suggested.startswith("SEV-")

    # When they declare it as SEV-2
    page.select_option("#id_severity", "SEV-2")
    page.click("input[name=_declare]")
    # Then they land on the incident: investigating, declared on the timeline
    incident = Incident.objects.get()
    expect(page.locator(".messagelist")).to_contain_text(f"{incident.ref} declared as SEV-2.")
    assert status_shown(page) == "Investigating"
    assert "SEV-2 declared: Checkout returns 500" in timeline_text(page)
    assert "Incident commander: founder" in timeline_text(page)

    # When they acknowledge
    page.click("#incident-acknowledge")
    # Then the timeline says so and the button is gone
    expect(page.locator(".messagelist")).to_contain_text("acknowledged: you are on it")
    assert "Acknowledged by founder: I am on it." in timeline_text(page)
    expect(page.locator("#incident-acknowledge")).to_have_count(0)

    # When they post an update moving it to "identified"
    page.click("#incident-post-update")
    page.select_option("#id_status", "identified")
    page.fill("#id_message", "A bad deploy of the payment worker")
    page.fill("#id_next_steps", "Roll back")
    page.fill("#id_eta", "30 min")
    page.click("input[name=_submit]")
    # Then the status is identified and the update is on the timeline and in the updates list
    expect(page.locator(".messagelist")).to_contain_text(f"Update posted on {incident.ref}.")
    assert status_shown(page) == "Identified"
    assert "[identified] A bad deploy of the payment worker" in timeline_text(page)
    expect(page.locator("#cockpit-updates")).to_contain_text("Roll back")

    # When they resolve it, with the public closing update the form offers
    page.click("#incident-resolve")
    page.fill("#id_message", "Rolled back; payments succeed again")
    assert page.locator("#id_public").is_checked()
    page.click("input[name=_submit]")
    # Then it is resolved (SEV-2 still owes a post-mortem), the buttons for open incidents are gone
    expect(page.locator(".messagelist")).to_contain_text(
        f"{incident.ref} resolved; its post-mortem is due next."
    )
    assert status_shown(page) == "Resolved"
    assert "Resolved (was identified)." in timeline_text(page)
    expect(page.locator("#incident-resolve")).to_have_count(0)
    expect(page.locator("#incident-post-update")).to_have_count(0)

    # And the list shows it resolved
    page.goto(f"{live_server.url}/admin/incidents/incident/")
    expect(page.locator("#result_list")).to_contain_text(incident.ref)
    expect(page.locator("#result_list")).to_contain_text("Resolved")

    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin_flow.png"), full_page=True)
