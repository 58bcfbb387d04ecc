"""The admin as the primary UI: each view and action through the Django test client."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incidents import extension_point
from incidents.choices import IncidentStatus, TimelineKind
from incidents.models import Incident, TimelineEntry
from tests.incidents.admin_pages import (
    bulk_incidents,
    change_url,
    declare_data,
    timeline_messages,
    view_url,
)

CHANGELIST = "/admin/incidents/incident/"
# session + user, the page's count, the incidents, the severity filter's choices.
CHANGELIST_QUERIES = 5
BUTTONS = {
    "acknowledge": "Acknowledge",
    "post-update": "Post update",
    "change-severity": "Change severity",
    "resolve": "Resolve",
    "cancel": "Cancel incident",
    "assign-role": "Assign roles",
}


# --- site and index -----------------------------------------------------------------


def test_index_names_the_portal_and_links_to_declare(admin_client: Any, policy: Any) -> None:
    # When the founder opens the admin
    response = admin_client.get("/admin/")
    # Then the site is the incident portal with a "Declare incident" button
    page = response.content.decode()
    assert response.status_code == 200
    assert "Incident portal" in page
    assert reverse("admin:incidents_incident_declare") in page
    assert "Declare incident" in page


# --- declare ------------------------------------------------------------------------


def test_declare_form_offers_the_levels_of_the_policy_in_force(
    admin_client: Any, policy: Any
) -> None:
    response = admin_client.get(reverse("admin:incidents_incident_declare"))
    page = response.content.decode()
    assert response.status_code == 200
    for code in ("SEV-1", "SEV-2", "SEV-3", "SEV-4"):
        assert f'value="{code}"' in page


def test_declare_creates_the_incident_and_redirects_to_it(
    admin_client: Any, founder: Any, policy: Any
) -> None:
    # When the form is posted
    response = admin_client.post(reverse("admin:incidents_incident_declare"), declare_data())
    # Then the incident exists, the founder commands it, and the browser lands on its page
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change_url(incident)
    assert incident.severity.code == "SEV-2"
    assert incident.commander == founder
    assert incident.detection_source == "monitoring_alert"
    page = admin_client.get(response["Location"]).content.decode()
    assert f"{incident.ref} declared as SEV-2." in page
    assert "SEV-2 declared: Checkout returns 500" in page


def test_suggest_severity_shows_the_suggestion_and_its_reasons(
    admin_client: Any, policy: Any
) -> None:
    # Given facts saying customer data leaked, and no severity chosen yet
    data = declare_data(severity="", data_loss="on", _suggest="Suggest severity")
    del data["_declare"]
    # When "Suggest severity" is pressed
    response = admin_client.post(reverse("admin:incidents_incident_declare"), data)
    page = response.content.decode()
    # Then the worst level is suggested and pre-selected, with the reason; nothing is declared
    assert response.status_code == 200
    assert "Suggested severity: SEV-1" in page
    assert "data loss" in page.lower()
    assert '<option value="SEV-1" selected>' in page
    assert Incident.objects.count() == 0


def test_declaring_below_the_suggestion_warns(admin_client: Any, policy: Any) -> None:
    response = admin_client.post(
        reverse("admin:incidents_incident_declare"),
        declare_data(severity="SEV-4", customers_affected_pct="60", production_outage="on"),
        follow=True,
    )
    page = response.content.decode()
    assert Incident.objects.get().severity.code == "SEV-4"
    assert "The facts suggest SEV-" in page


def test_declare_bad_percentage_is_a_form_error_on_that_field(
    admin_client: Any, policy: Any
) -> None:
    response = admin_client.post(
        reverse("admin:incidents_incident_declare"), declare_data(customers_affected_pct="140")
    )
    assert response.status_code == 200
    assert "customers_affected_pct" in response.context["form"].errors
    assert Incident.objects.count() == 0


def test_declare_refused_by_the_service_shows_the_error_on_severity(
    admin_client: Any, policy: Any
) -> None:
    # Given confirmed data loss declared as a minor level: the policy requires the worst one
    response = admin_client.post(
        reverse("admin:incidents_incident_declare"), declare_data(severity="SEV-3", data_loss="on")
    )
    form = response.context["form"]
    assert response.status_code == 200
    assert "requires SEV-1" in form.errors["severity"][0]
    assert Incident.objects.count() == 0


def test_declare_without_a_policy_in_force_is_an_error_not_a_500(admin_client: Any) -> None:
    response = admin_client.post(
        reverse("admin:incidents_incident_declare"), declare_data(severity="")
    )
    assert response.status_code == 200
    assert "No policy is in force" in response.content.decode()
    assert Incident.objects.count() == 0


def test_declare_needs_the_add_permission(client: Any, responder: Any, policy: Any) -> None:
    client.force_login(responder)
    assert client.get(reverse("admin:incidents_incident_declare")).status_code == 403


# --- changelist ---------------------------------------------------------------------


def test_changelist_shows_countdowns_and_missed_deadlines_in_red(
    admin_client: Any, declare: Any
) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False):
        incident = declare("SEV-2", title="Search is slow")
        due = incident.next_deadline_at
        assert due is not None
    # Before the deadline: a countdown
    with time_machine.travel(due - datetime.timedelta(minutes=12), tick=False):
        page = admin_client.get(CHANGELIST).content.decode()
    assert incident.ref in page
    assert "Search is slow" in page
    assert "Investigating" in page
    assert "in 12 min" in page
    # After it: overdue, in red
    with time_machine.travel(due + datetime.timedelta(minutes=5), tick=False):
        page = admin_client.get(CHANGELIST).content.decode()
    assert "missed 5 min ago" in page
    assert 'class="deadline-missed"' in page


def test_changelist_filters_and_search(admin_client: Any, declare: Any) -> None:
    declare("SEV-1", title="Database down")
    declare("SEV-3", title="Typo on pricing page", environment="staging")
    page = admin_client.get(CHANGELIST, {"severity_code": "SEV-1"}).content.decode()
    assert "Database down" in page
    assert "Typo on pricing page" not in page
    page = admin_client.get(CHANGELIST, {"environment__exact": "staging"}).content.decode()
    assert "Typo on pricing page" in page
    assert "Database down" not in page
    page = admin_client.get(CHANGELIST, {"q": "pricing"}).content.decode()
    assert "Typo on pricing page" in page
    assert "Database down" not in page


@pytest.mark.parametrize("size", [3, 30])
def test_changelist_query_count_is_constant(
    admin_client: Any, policy: Any, django_assert_num_queries: Any, size: int
) -> None:
    bulk_incidents(size, policy)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.content.decode().count("Bulk ") >= min(size, 50)


@pytest.mark.slow
def test_changelist_query_count_at_ten_thousand_incidents(
    admin_client: Any, policy: Any, django_assert_num_queries: Any
) -> None:
    # Given 10,000 incidents
    bulk_incidents(10_000, policy)
    # When the list is opened, filtered and searched, the query count stays the same
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = admin_client.get(CHANGELIST, {"status__exact": "investigating", "q": "Bulk 99"})
    assert response.status_code == 200


def test_bulk_acknowledge_and_resolve_report_refusals_per_incident(
    admin_client: Any, declare: Any
) -> None:
    from incidents.services import record_comms_sent
    from portal.kernel.actors import Actor

    first = declare("SEV-2", title="First")
    second = declare("SEV-2", title="Second")
    third = declare("SEV-2", title="Third")  # its status-page comms never went out
    record_comms_sent(
        incident=first, actor=Actor.system("test"), channel="status_page", summary="posted"
    )
    admin_client.post(view_url("cancel", second), {"reason": "false alarm"})
    # When both are acknowledged, then resolved, from the list
    response = admin_client.post(
        CHANGELIST,
        {"action": "acknowledge_selected", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert f"Acknowledged: {first.ref}." in page
    assert f"{second.ref}: {second.ref} is cancelled" in page
    response = admin_client.post(
        CHANGELIST,
        {
            "action": "resolve_selected",
            "_selected_action": [first.pk, second.pk, third.pk],
            "post": "yes",
            "reason": "Fixed by the rollback",
        },
        follow=True,
    )
    page = response.content.decode()
    # Then the open one is resolved and the cancelled one is named with the refusal
    first.refresh_from_db()
    assert first.resolved_at is not None
    assert f"Resolved: {first.ref}." in page
    assert "cannot become resolved" in page
    # And the one still owing its comms is refused, naming them (closing duties, issue 15)
    third.refresh_from_db()
    assert third.resolved_at is None
    assert f"{third.ref}: The playbook still requires: Status page" in page


def test_bulk_cancel(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-3")
    admin_client.post(
        CHANGELIST,
        {
            "action": "cancel_selected",
            "_selected_action": [incident.pk],
            "post": "yes",
            "reason": "false alarm",
        },
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CANCELLED


# --- change page ----------------------------------------------------------------------


def test_change_page_shows_buttons_for_an_open_incident_and_read_only_lists(
    admin_client: Any, declare: Any
) -> None:
    incident = declare("SEV-2")
    response = admin_client.get(change_url(incident))
    page = response.content.decode()
    assert response.status_code == 200
    for label in BUTTONS.values():
        assert label in page
    for dom_id in BUTTONS:
        assert f'id="incident-{dom_id}"' in page
    assert "SEV-2 declared: Checkout errors" in page  # the timeline
    assert "Next status update" in page or "Acknowledge" in page  # the deadlines
    # The timeline, deadlines, updates and roles are the cockpit's read-only panels:
    # no formset to add, edit or delete them
    prefixes = {f.formset.prefix for f in response.context["inline_admin_formsets"]}
    assert not prefixes & {"timeline", "deadlines", "status_updates", "role_assignments"}
    for panel in ("cockpit-timeline", "cockpit-deadlines", "cockpit-updates", "cockpit-roles"):
        assert f'id="{panel}"' in page
    assert 'name="timeline-0-message"' not in page


def test_buttons_that_do_not_apply_are_hidden(
    admin_client: Any, declare: Any, founder_actor: Any
) -> None:
    from incidents.services import resolve_incident

    incident = declare("SEV-4")
    resolve_incident(incident=incident, actor=founder_actor)  # SEV-4 needs no post-mortem: closed
    page = admin_client.get(change_url(incident)).content.decode()
    for dom_id in BUTTONS:
        assert f'id="incident-{dom_id}"' not in page


def test_extension_buttons_and_inlines_are_rendered(
    admin_client: Any, declare: Any, monkeypatch: Any
) -> None:
    from incidents.admin.incident import ReadOnlyInline
    from incidents.models import StatusUpdate

    class ExtraInline(ReadOnlyInline):
        model = StatusUpdate
        verbose_name_plural = "extra add-on list"
        fields = readonly_fields = ("message",)

    monkeypatch.setattr(extension_point, "_EXTENSIONS", {})
    extension_point.register(
        extension_point.Extension(
            app_label="addon",
            order=1,
            incident_buttons=[
                extension_point.IncidentButton(
                    "History (add-on)", "admin:incidents_incident_history", False
                ),
                extension_point.IncidentButton("Broken", "no-such-url", False),
            ],
            incident_inlines=[ExtraInline],
        )
    )
    incident = declare("SEV-3")
    page = admin_client.get(change_url(incident)).content.decode()
    assert "History (add-on)" in page
    assert 'id="incident-admin-incidents-incident-history"' in page
    assert "Broken" not in page
    assert "extra add-on list" in page.lower()


def test_editing_details_goes_through_the_service_and_the_timeline(
    admin_client: Any, declare: Any
) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(
        change_url(incident), _change_data(admin_client, incident, title="Checkout errors in EU")
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Checkout errors in EU"
    assert "Edited: title" in timeline_messages(incident)


def _change_data(admin_client: Any, incident: Incident, **changes: Any) -> dict[str, Any]:
    response = admin_client.get(change_url(incident))
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, datetime.datetime):
            data[f"{name}_0"], data[f"{name}_1"] = (
                value.strftime("%Y-%m-%d"),
                value.strftime("%H:%M:%S"),
            )
            continue
        if name == "services":
            data[name] = [service.pk for service in value or []]
            continue
        if name == "runbook_links":
            data[name] = "\n".join(value or [])
            continue
        data[name] = "" if value is None else value
        if field.__class__.__name__ == "SplitDateTimeField":
            data[f"{name}_0"] = data[f"{name}_1"] = ""
    data.update(changes)
    # Every inline on the page (add-ons register their own) posts its management form, unchanged.
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(formset.initial_form_count())
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(formset.initial_form_count())
        for sub in formset.forms:
            for name in ("id", formset.fk.name):
                value = sub[name].value()
                data[sub.add_prefix(name)] = "" if value is None else value
    return data


def test_bad_edit_is_a_form_error_naming_the_field_and_writes_nothing(
    admin_client: Any, declare: Any
) -> None:
    incident = declare("SEV-2")
    before = timeline_messages(incident)
    response = admin_client.post(
        change_url(incident),
        _change_data(admin_client, incident, title="New title", revenue_currency="eu"),
    )
    assert response.status_code == 200
    assert "revenue_currency" in response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert incident.title == "Checkout errors"
    assert timeline_messages(incident) == before


def test_affected_services_are_edited_through_the_service(admin_client: Any, declare: Any) -> None:
    from incidents.models import Service

    api = Service.objects.create(name="API", slug="api")
    web = Service.objects.create(name="Web", slug="web")
    incident = declare("SEV-2", services=[api])
    response = admin_client.post(
        change_url(incident), _change_data(admin_client, incident, services=[api.pk, web.pk])
    )
    assert response.status_code == 302
    assert sorted(incident.services.values_list("slug", flat=True)) == ["api", "web"]
    assert TimelineEntry.objects.filter(
        incident=incident, kind=TimelineKind.FIELDS_CHANGED
    ).exists()


def test_milestone_edit_lands_on_the_timeline(admin_client: Any, declare: Any) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)):
        incident = declare("SEV-2")
        data = _change_data(
            admin_client, incident, impact_started_at_0="2026-03-02", impact_started_at_1="09:40:00"
        )
        response = admin_client.post(change_url(incident), data)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.impact_started_at == datetime.datetime(2026, 3, 2, 9, 40, tzinfo=datetime.UTC)
    entry = TimelineEntry.objects.get(incident=incident, kind=TimelineKind.MILESTONE)
    assert "impact_started_at" in entry.message


def test_future_milestone_is_refused_on_its_field(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    response = admin_client.post(
        change_url(incident),
        _change_data(
            admin_client,
            incident,
            mitigated_at_0=tomorrow.strftime("%Y-%m-%d"),
            mitigated_at_1="10:00:00",
        ),
    )
    assert response.status_code == 200
    assert "future" in response.context["adminform"].form.errors["mitigated_at"][0]
