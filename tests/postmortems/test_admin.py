"""The admin: changelists (pinned query counts), the change page's buttons, actions, views."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from postmortems import services
from postmortems.models import ActionItem, PostMortem, RiskReview

UTC = datetime.UTC


@pytest.fixture
def browser(founder: Any) -> Client:
    client = Client()
    client.force_login(founder)
    return client


def test_postmortem_changelist_is_constant(
    policy: Any,
    resolve_at: Any,
    browser: Client,
    founder_actor: Any,
    founder: Any,
    django_assert_num_queries: Any,
) -> None:
    url = reverse("admin:postmortems_postmortem_changelist")
    for size in (1, 4):
        for n in range(size):
            pm = resolve_at("SEV-1", title=f"Outage {size}-{n}").postmortem
            services.create_action_item(
                actor=founder_actor,
                postmortem=pm,
                description="Fix",
                owner=founder,
                due_date=datetime.date(2026, 4, 1),
            )
        browser.get(url)
        # session + user + count + page (with open-item counts), whatever the size
        with django_assert_num_queries(4):
            response = browser.get(url)
        assert response.status_code == 200
    assert "Outage 4-3" in response.content.decode()


def test_action_item_changelist_is_constant_and_filters(
    policy: Any,
    browser: Client,
    founder_actor: Any,
    founder: Any,
    responder: Any,
    django_assert_num_queries: Any,
) -> None:
    url = reverse("admin:postmortems_actionitem_changelist")
    yesterday = timezone.now().date() - datetime.timedelta(days=1)
    for size in (1, 4):
        for n in range(size):
            services.create_action_item(
                actor=founder_actor,
                description=f"Overdue {size}-{n}",
                owner=founder,
                due_date=yesterday,
            )
            services.create_action_item(
                actor=founder_actor,
                description=f"Later {size}-{n}",
                owner=responder,
                due_date=yesterday + datetime.timedelta(days=30),
            )
        browser.get(url)
        with django_assert_num_queries(5):
            assert browser.get(url).status_code == 200
    page = browser.get(url + "?mine=yes").content.decode()
    assert "Overdue 4-3" in page
    assert "Later 4-3" not in page
    page = browser.get(url + "?overdue=yes").content.decode()
    assert "Overdue 1-0" in page
    assert "Later 1-0" not in page


def test_change_page_publish_lists_every_problem(resolved_pm: Any, browser: Client) -> None:
    url = reverse("admin:postmortems_postmortem_change", args=[resolved_pm.pk])
    page = browser.get(url)
    assert page.status_code == 200
    assert "Save and publish" in page.content.decode()
    data = {
        "summary": "",
        "root_cause": "Pool exhausted",
        "contributing_causes": "",
        "what_worked": "TBD",
        "what_didnt": "",
        "customer_impact_summary": "",
        "customers_affected": "",
        "revenue_impact": "",
        "revenue_currency": "",
        "_publish": "1",
        **management_forms(resolved_pm),
    }
    response = browser.post(url, data, follow=True)
    text = response.content.decode()
    assert "“contributing causes (process, organisational)” is empty" in text
    assert "Placeholder “TBD” in what worked" in text
    assert "Add at least one action item." in text
    resolved_pm.refresh_from_db()
    assert resolved_pm.root_cause == "Pool exhausted"
    assert resolved_pm.status == "draft"


def management_forms(pm: PostMortem) -> dict[str, Any]:
    entries = list(pm.timeline_entries.order_by("at", "id"))
    data: dict[str, Any] = {
        "timeline_entries-TOTAL_FORMS": len(entries),
        "timeline_entries-INITIAL_FORMS": len(entries),
        "action_items-TOTAL_FORMS": 0,
        "action_items-INITIAL_FORMS": 0,
    }
    for i, e in enumerate(entries):
        data.update(
            {
                f"timeline_entries-{i}-id": e.pk,
                f"timeline_entries-{i}-postmortem": pm.pk,
                f"timeline_entries-{i}-text": e.text,
                f"timeline_entries-{i}-included": "on",
            }
        )
    return data


def test_published_postmortem_is_read_only_in_the_admin(
    resolved_pm: Any, browser: Client, founder_actor: Any, complete: Any
) -> None:
    pm = complete(resolved_pm, founder_actor)
    with time_machine.travel(datetime.datetime(2026, 3, 6, 10, tzinfo=UTC), tick=False):
        services.publish_postmortem(postmortem=pm, actor=founder_actor)
    page = browser.get(
        reverse("admin:postmortems_postmortem_change", args=[pm.pk])
    ).content.decode()
    assert 'name="root_cause"' not in page
    assert "Start a new revision" in page
    response = browser.post(
        reverse("admin:postmortems_postmortem_revise", args=[pm.pk]), {"reason": "Vendor"}
    )
    assert response.status_code == 302
    pm.refresh_from_db()
    assert (pm.status, pm.revision) == ("draft", 2)


def test_export_pdf_action(
    resolved_pm: Any, browser: Client, founder_actor: Any, complete: Any
) -> None:
    complete(resolved_pm, founder_actor, submit=False)
    response = browser.post(
        reverse("admin:postmortems_postmortem_changelist"),
        {"action": "export_pdf", "_selected_action": [resolved_pm.pk]},
    )
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert resolved_pm.incident.ref in text


def test_incident_button_opens_a_postmortem_on_demand(
    policy: Any, resolve_at: Any, browser: Client
) -> None:
    incident = resolve_at("SEV-4")
    url = reverse("admin:postmortems_postmortem_for_incident", args=[incident.pk])
    assert "Write one anyway?" in browser.get(url).content.decode()
    response = browser.post(url)
    pm = PostMortem.objects.get(incident=incident)
    assert response["Location"] == reverse("admin:postmortems_postmortem_change", args=[pm.pk])
    assert browser.get(url)["Location"] == response["Location"]


def test_pattern_report_page(policy: Any, browser: Client) -> None:
    page = browser.get(reverse("admin:postmortems_postmortem_patterns"))
    assert page.status_code == 200
    assert "Repeat root causes" in page.content.decode()


def test_risk_review_page_lists_the_period_and_signs_off(
    resolved_pm: Any, browser: Client, founder: Any, founder_actor: Any
) -> None:
    services.create_action_item(
        actor=founder_actor,
        postmortem=resolved_pm,
        description="Cap retries",
        owner=founder,
        due_date=datetime.date(2026, 4, 1),
    )
    review = services.create_risk_review(
        actor=founder_actor,
        quarter_start=datetime.date(2026, 1, 1),
        quarter_end=datetime.date(2026, 3, 31),
    )
    page = browser.get(
        reverse("admin:postmortems_riskreview_change", args=[review.pk])
    ).content.decode()
    assert resolved_pm.incident.ref in page
    assert "Cap retries" in page
    browser.post(
        reverse("admin:postmortems_riskreview_changelist"),
        {"action": "sign_off", "_selected_action": [review.pk]},
    )
    review.refresh_from_db()
    assert review.signed_off_by == founder
    assert review.signed_off_at is not None
    assert RiskReview.objects.count() == 1
    assert ActionItem.objects.count() == 1


def test_incident_page_has_the_postmortem_button(resolved_pm: Any, browser: Client) -> None:
    page = browser.get(
        reverse("admin:incidents_incident_change", args=[resolved_pm.incident.pk])
    ).content.decode()
    assert (
        reverse("admin:postmortems_postmortem_for_incident", args=[resolved_pm.incident.pk]) in page
    )


def test_change_page_saves_sections_inlines_and_submits(
    resolved_pm: Any, browser: Client, founder: Any
) -> None:
    url = reverse("admin:postmortems_postmortem_change", args=[resolved_pm.pk])
    data = {
        "summary": "Checkout failed.",
        "root_cause": "Pool exhausted",
        "contributing_causes": "",
        "what_worked": "",
        "what_didnt": "",
        "customer_impact_summary": "",
        "customers_affected": "12",
        "revenue_impact": "",
        "revenue_currency": "eur",
        "submit_reviewers": [founder.pk],
        "_submit_review": "1",
        **management_forms(resolved_pm),
    }
    first = resolved_pm.timeline_entries.order_by("at", "id").first()
    data["timeline_entries-0-included"] = ""  # exclude the first line
    data.update(
        {
            "action_items-TOTAL_FORMS": 1,
            "action_items-0-description": "Cap retries",
            "action_items-0-owner": founder.pk,
            "action_items-0-due_date": "2026-04-01",
            "action_items-0-status": "open",
        }
    )
    response = browser.post(url, data, follow=True)
    assert "Submitted for review." in response.content.decode()
    resolved_pm.refresh_from_db()
    first.refresh_from_db()
    assert resolved_pm.status == "in_review"
    assert resolved_pm.revenue_currency == "EUR"
    assert first.included is False
    item = resolved_pm.action_items.get()
    assert (item.owner, item.labels) == (founder, ["post-mortem"])
    # A won't-do without a reason is a form error, not a 500
    data.pop("_submit_review")
    data.update(
        {
            "action_items-INITIAL_FORMS": 1,
            "action_items-0-id": item.pk,
            "action_items-0-postmortem": resolved_pm.pk,
            "action_items-0-status": "wont_do",
        }
    )
    response = browser.post(url, data)
    assert response.status_code == 200
    assert "Say why it won" in response.content.decode()


def test_add_action_item_and_risk_review_in_the_admin(
    db: Any, browser: Client, founder: Any
) -> None:
    response = browser.post(
        reverse("admin:postmortems_actionitem_add"),
        {
            "description": "Rotate the Stripe keys",
            "owner": founder.pk,
            "due_date": "2026-04-01",
            "status": "open",
            "ticket_url": "",
            "wont_do_reason": "",
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get()
    assert (item.source, item.owner) == ("manual", founder)
    response = browser.post(
        reverse("admin:postmortems_riskreview_add"),
        {"quarter_start": "2026-01-01", "quarter_end": "2026-03-31", "notes": "Q1"},
    )
    assert response.status_code == 302
    response = browser.post(
        reverse("admin:postmortems_riskreview_add"),
        {"quarter_start": "2026-01-01", "quarter_end": "2026-03-31", "notes": "again"},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert RiskReview.objects.count() == 1


def test_a_refused_publish_marks_each_field_it_names(
    resolved_pm: Any, browser: Client, founder_actor: Any
) -> None:
    """Issue 25: the gate listed its problems only at the top of the page; the sections
    and the action item's cells at fault carry them too (once, after the refusal)."""
    import re

    services.create_action_item(
        actor=founder_actor,
        postmortem=resolved_pm,
        description="Alert on pooler saturation",
        owner=None,
        due_date=None,
    )
    url = reverse("admin:postmortems_postmortem_change", args=[resolved_pm.pk])
    data = {
        "summary": "Checkout failed.",
        "root_cause": "Pool exhausted",
        "contributing_causes": "",
        "what_worked": "TBD",
        "what_didnt": "Slow failover.",
        "customer_impact_summary": "Payments failed.",
        "customers_affected": "",
        "revenue_impact": "",
        "revenue_currency": "",
        "_publish": "1",
        **management_forms(resolved_pm),
    }
    text = browser.post(url, data, follow=True).content.decode()

    def row(name: str) -> str:
        match = re.search(rf'<div class="form-row[^"]*field-{name}[^"]*">(.*?)</div>', text, re.S)
        assert match, name
        return match.group(0)

    assert "errors" in row("contributing_causes").split(">", 1)[0]
    assert "is empty" in row("contributing_causes")
    assert "Placeholder “TBD”" in row("what_worked")
    assert "errorlist" not in row("root_cause")
    cells = {
        name: re.search(rf'<td class="field-{name}">(.*?)</td>', text, re.S)
        for name in ("owner", "due_date", "description")
    }
    assert cells["owner"]
    assert "has no owner" in cells["owner"].group(1)
    assert cells["due_date"]
    assert "has no due date" in cells["due_date"].group(1)
    assert cells["description"]
    assert "errorlist" not in cells["description"].group(1)
    # Shown for the refusal only: the next visit is a plain page again
    assert "has no owner" not in browser.get(url).content.decode()
