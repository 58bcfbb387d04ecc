"""The admin as the primary UI: each view and action through the Django test client."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incidents import admin_extensions
from incidents.choices import IncidentRole, IncidentStatus, PolicyStatus, TimelineKind
from incidents.models import Incident, PolicyVersion, SeverityLevel, TimelineEntry
from incidents.policies import copy_to_draft
from portal.actors import Actor
from portal.models import ApiToken, hash_token_key

CHANGELIST = "/admin/incidents/incident/"
# session + user, the page's count, the incidents, the severity filter's choices.
CHANGELIST_QUERIES = 5
BUTTONS = {
    "acknowledge": "Acknowledge",
    "post-update": "Post update",
    "change-severity": "Change severity",
    "resolve": "Resolve",
    "cancel": "Cancel incident",
    "assign-role": "Assign role",
}


@pytest.fixture
def admin_client(client: Any, founder: Any) -> Any:
    client.force_login(founder)
    return client


def change_url(incident: Incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def view_url(name: str, incident: Incident) -> str:
    return reverse(f"admin:incidents_incident_{name}", args=[incident.pk])


def timeline_messages(incident: Incident) -> list[str]:
    return list(
        TimelineEntry.objects.filter(incident=incident)
        .order_by("at", "id")
        .values_list("message", flat=True)
    )


def declare_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Checkout returns 500",
        "severity": "SEV-2",
        "summary": "Payments fail",
        "environment": "production",
        "detection_source": "monitoring_alert",
        "customer_facing": "on",
        "_declare": "Declare incident",
    }
    data.update(overrides)
    return data


def bulk_incidents(n: int, version: PolicyVersion, start: int = 0) -> None:
    """`n` incidents written straight to the table (fast), each with a reference and a deadline."""
    level = SeverityLevel.objects.get(version=version, code="SEV-2")
    now = timezone.now()
    Incident.objects.bulk_create(
        [
            Incident(
                ref=f"INC-20260101-{start + i:05d}",
                title=f"Bulk {i}",
                policy_version=version,
                severity=level,
                declared_at=now - datetime.timedelta(minutes=i),
                next_deadline_at=now + datetime.timedelta(minutes=i - n // 2),
                next_deadline_kind="ack",
            )
            for i in range(n)
        ],
        batch_size=1000,
    )


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
    assert "overdue 5 min" in page
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
    first = declare("SEV-2", title="First")
    second = declare("SEV-2", title="Second")
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
        {"action": "resolve_selected", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    page = response.content.decode()
    # Then the open one is resolved and the cancelled one is named with the refusal
    first.refresh_from_db()
    assert first.resolved_at is not None
    assert f"Resolved: {first.ref}." in page
    assert "cannot become resolved" in page


def test_bulk_cancel(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-3")
    admin_client.post(CHANGELIST, {"action": "cancel_selected", "_selected_action": [incident.pk]})
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
    # Read-only: no way to add, edit or delete timeline entries, deadlines, updates or roles
    formsets = {f.formset.prefix: f for f in response.context["inline_admin_formsets"]}
    for prefix in ("timeline", "deadlines", "status_updates", "role_assignments"):
        formset = formsets[prefix]
        assert not formset.has_add_permission
        assert not formset.has_change_permission
        assert not formset.has_delete_permission
        assert f'name="{prefix}-0-DELETE"' not in page
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
    from incidents.admin_incident import ReadOnlyInline
    from incidents.models import StatusUpdate

    class ExtraInline(ReadOnlyInline):
        model = StatusUpdate
        verbose_name_plural = "extra add-on list"
        fields = readonly_fields = ("message",)

    monkeypatch.setattr(
        admin_extensions,
        "INCIDENT_BUTTONS",
        [
            ("History (add-on)", "admin:incidents_incident_history", False),
            ("Broken", "no-such-url", False),
        ],
    )
    monkeypatch.setattr(admin_extensions, "INCIDENT_INLINES", [ExtraInline])
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
        data[name] = "[]" if name == "runbook_links" else ("" if value is None else value)
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


# --- transition views -------------------------------------------------------------------


def test_acknowledge_button(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(view_url("acknowledge", incident), follow=True)
    page = response.content.decode()
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert f"{incident.ref} acknowledged" in page
    assert "I am on it" in page
    assert 'id="incident-acknowledge"' not in page  # done: the button is gone


def test_acknowledging_a_cancelled_incident_is_an_error_not_a_500(
    admin_client: Any, declare: Any
) -> None:
    incident = declare("SEV-2")
    admin_client.post(view_url("cancel", incident), {"reason": "false alarm"})
    response = admin_client.post(view_url("acknowledge", incident))
    assert response.status_code == 200
    assert "only open incidents can be acknowledged" in response.content.decode()


def test_post_update(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    assert admin_client.get(view_url("post_update", incident)).status_code == 200
    response = admin_client.post(
        view_url("post_update", incident),
        {
            "status": "identified",
            "message": "Bad deploy of the payment worker",
            "next_steps": "Roll back",
            "eta": "30 min",
            "public": "on",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IDENTIFIED
    update = incident.status_updates.get()
    assert update.public
    assert "[identified] Bad deploy of the payment worker" in timeline_messages(incident)


def test_post_update_without_message_is_a_form_error(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(
        view_url("post_update", incident), {"status": "identified", "message": ""}
    )
    assert response.status_code == 200
    assert "message" in response.context["form"].errors
    assert incident.status_updates.count() == 0


def test_change_severity(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-3")
    response = admin_client.post(
        view_url("change_severity", incident), {"severity": "SEV-1", "reason": "Card data exposed"}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.severity.code == "SEV-1"
    assert "Severity raised SEV-3 → SEV-1: Card data exposed" in timeline_messages(incident)


def test_change_to_the_same_severity_is_a_form_error(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-3")
    response = admin_client.post(
        view_url("change_severity", incident), {"severity": "SEV-3", "reason": "x"}
    )
    assert response.status_code == 200
    assert "already SEV-3" in response.context["form"].errors["severity"][0]


def test_resolve_then_resolving_again_is_refused(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(view_url("resolve", incident), {"message": "Rolled back"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED  # SEV-2 needs a post-mortem: stays resolved
    response = admin_client.post(view_url("resolve", incident), {"message": ""})
    assert response.status_code == 200
    assert "cannot become resolved" in response.content.decode()


def test_cancel(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(
        view_url("cancel", incident), {"reason": "Monitoring glitch"}, follow=True
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CANCELLED
    assert "Cancelled (was investigating). Monitoring glitch" in response.content.decode()


def test_assign_role(admin_client: Any, declare: Any, responder: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(
        view_url("assign_role", incident),
        {"role": IncidentRole.COMMS_LEAD, "user": responder.pk},
        follow=True,
    )
    page = response.content.decode()
    assert incident.role_assignments.filter(role=IncidentRole.COMMS_LEAD, user=responder).exists()
    assert "Comms lead: responder" in page


def test_assign_unknown_user_is_a_form_error(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(
        view_url("assign_role", incident), {"role": "scribe", "user": "999"}
    )
    assert response.status_code == 200
    assert "user" in response.context["form"].errors


def test_unknown_incident_redirects_with_a_message(admin_client: Any, policy: Any) -> None:
    response = admin_client.get("/admin/incidents/incident/999/resolve/", follow=True)
    assert response.status_code == 200
    assert "doesn’t exist" in response.content.decode()


# --- policy -------------------------------------------------------------------------------


def test_active_version_is_read_only_with_its_sign_off(admin_client: Any, policy: Any) -> None:
    url = reverse("admin:incidents_policyversion_change", args=[policy.pk])
    response = admin_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert policy.content_hash in page
    assert 'name="levels-0-code"' not in page
    assert 'name="time_zone"' not in page
    response = admin_client.post(url, {"time_zone": "Europe/Paris"})
    assert response.status_code == 403


def test_copy_into_draft_then_sign_off_and_activate(
    admin_client: Any, founder: Any, policy: Any
) -> None:
    changelist = reverse("admin:incidents_policyversion_changelist")
    # When the active version is copied into a new draft
    admin_client.post(
        changelist, {"action": "copy_into_new_draft", "_selected_action": [policy.pk]}
    )
    draft = PolicyVersion.objects.get(status=PolicyStatus.DRAFT)
    # Then the draft is editable in the admin
    page = admin_client.get(
        reverse("admin:incidents_policyversion_change", args=[draft.pk])
    ).content.decode()
    assert 'name="levels-0-code"' in page
    # When it is signed off and activated
    response = admin_client.post(
        changelist, {"action": "sign_off_and_activate", "_selected_action": [draft.pk]}, follow=True
    )
    # Then it is in force with the founder as approver; the previous version retired
    draft.refresh_from_db()
    policy.refresh_from_db()
    assert draft.status == PolicyStatus.ACTIVE
    assert draft.approved_by == founder
    assert draft.content_hash
    assert policy.status == PolicyStatus.RETIRED
    assert "is in force; signed off by founder" in response.content.decode()


def test_activating_a_retired_version_is_refused_with_a_message(
    admin_client: Any, policy: Any
) -> None:
    draft = copy_to_draft(version=policy, actor=Actor.system("test"))
    changelist = reverse("admin:incidents_policyversion_changelist")
    admin_client.post(
        changelist, {"action": "sign_off_and_activate", "_selected_action": [draft.pk]}
    )
    response = admin_client.post(
        changelist,
        {"action": "sign_off_and_activate", "_selected_action": [policy.pk]},
        follow=True,
    )
    assert "A retired version cannot come back" in response.content.decode()


def test_review_due_is_highlighted(admin_client: Any, policy: Any) -> None:
    PolicyVersion.objects.filter(pk=policy.pk).update(next_review_on=datetime.date(2020, 1, 1))
    page = admin_client.get(reverse("admin:incidents_policyversion_changelist")).content.decode()
    assert "review due" in page


def test_severity_level_page_lists_comms_requirements(admin_client: Any, policy: Any) -> None:
    level = SeverityLevel.objects.get(version=policy, code="SEV-1")
    page = admin_client.get(
        reverse("admin:incidents_severitylevel_change", args=[level.pk])
    ).content.decode()
    assert "comms requirement" in page.lower()
    assert 'name="comms_requirements-0-deadline"' not in page  # active version: read-only


def test_policy_service_and_severity_lists_open(admin_client: Any, policy: Any) -> None:
    for name in ("policy", "severitylevel", "service", "policyversion"):
        assert admin_client.get(reverse(f"admin:incidents_{name}_changelist")).status_code == 200
    assert (
        admin_client.get(
            reverse("admin:incidents_policy_change", args=[policy.policy_id])
        ).status_code
        == 200
    )


# --- API tokens ------------------------------------------------------------------------------


def test_create_token_shows_the_key_once(admin_client: Any, responder: Any) -> None:
    add = reverse("admin:portal_apitoken_add")
    assert admin_client.get(add).status_code == 200
    response = admin_client.post(add, {"name": "Grafana", "user": responder.pk, "read_only": "on"})
    key = response.context["key"]
    token = ApiToken.objects.get()
    assert key in response.content.decode()
    assert token.key_hash == hash_token_key(key)
    assert token.read_only
    # The list and the token's page never show the key or its hash
    for url in (
        reverse("admin:portal_apitoken_changelist"),
        reverse("admin:portal_apitoken_change", args=[token.pk]),
    ):
        page = admin_client.get(url).content.decode()
        assert key not in page
        assert token.key_hash not in page
        assert 'name="key_hash"' not in page


def test_create_token_without_name_is_a_form_error(admin_client: Any, responder: Any) -> None:
    response = admin_client.post(
        reverse("admin:portal_apitoken_add"), {"name": "", "user": responder.pk}
    )
    assert "name" in response.context["form"].errors
    assert ApiToken.objects.count() == 0


def test_revoke_token(admin_client: Any, founder: Any, make_token: Any) -> None:
    token, _ = make_token(founder)
    admin_client.post(
        reverse("admin:portal_apitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- other lists: constant query counts -----------------------------------------------------


def _grow(model: str, n: int, policy: Any, founder: Any, make_token: Any) -> None:
    from incidents.models import Service

    start = Service.objects.count()
    for i in range(start, start + n):
        if model in ("policyversion", "severitylevel", "policy"):
            copy_to_draft(version=policy, actor=Actor.system("test"))
        elif model == "service":
            Service.objects.create(name=f"Service {i}", slug=f"service-{i}", owner=founder)
        elif model == "apitoken":
            make_token(founder)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:incidents_policy_changelist",
        "admin:incidents_policyversion_changelist",
        "admin:incidents_severitylevel_changelist",
        "admin:incidents_service_changelist",
        "admin:portal_apitoken_changelist",
    ],
)
def test_other_changelists_have_a_constant_query_count(
    admin_client: Any, founder: Any, policy: Any, make_token: Any, url_name: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    model = url_name.split("_")[1]
    url = reverse(url_name)
    counts = []
    for n in (1, 4):
        _grow(model, n, policy, founder, make_token)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
