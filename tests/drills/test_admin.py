"""The drills admin: sealed until start, production refused, start/complete/report/trend, constant lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from drills.choices import DrillStatus
from drills.models import Drill, DrillGap
from portal.kernel.actors import Actor
from postmortems.models import ActionItem
from tests.drills.factories import held_drills


@pytest.fixture
def admin_client(founder: Any) -> Client:
    client = Client()
    client.force_login(founder)
    return client


def test_planned_drill_is_sealed_in_the_admin(
    admin_client: Client, planned: Drill, responder: Any
) -> None:
    listing = admin_client.get("/admin/drills/drill/").content.decode()
    assert "sealed until the drill starts" in listing
    page = admin_client.get(f"/admin/drills/drill/{planned.pk}/change/").content.decode()
    assert "sealed until the drill starts" in page
    assert 'id="drill-start"' in page
    assert "candidate_ids" not in page  # the draw inline appears only after the start


def test_admin_add_form_refuses_production(admin_client: Client, policy: Any) -> None:
    Drill.objects.all().delete()
    response = admin_client.post(
        "/admin/drills/drill/add/",
        {
            "planned_on": "2026-08-18",
            "environment": "production",
            "notes": "",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "environment" in errors
    assert not Drill.objects.exists()


def test_admin_add_form_plans_a_staging_drill(
    admin_client: Client, policy: Any, founder: Any
) -> None:
    Drill.objects.all().delete()
    response = admin_client.post(
        "/admin/drills/drill/add/",
        {
            "planned_on": "2026-08-18",
            "environment": "staging",
            "facilitator": founder.pk,
            "notes": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Drill.objects.get().facilitator == founder


def test_admin_edit_to_production_is_a_form_error(admin_client: Client, planned: Drill) -> None:
    response = admin_client.post(
        f"/admin/drills/drill/{planned.pk}/change/",
        {
            "planned_on": "2026-05-18",
            "environment": "production",
            "notes": "",
        },
    )
    assert response.status_code == 200
    assert "environment" in response.context["adminform"].form.errors
    planned.refresh_from_db()
    assert planned.environment == "staging"


def test_start_complete_report_through_the_admin(admin_client: Client, planned: Drill) -> None:
    # When the facilitator presses Start
    response = admin_client.post(f"/admin/drills/drill/{planned.pk}/start/")
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == DrillStatus.RUNNING
    page = admin_client.get(f"/admin/drills/drill/{planned.pk}/change/").content.decode()
    assert planned.scenario is not None
    assert planned.scenario.title in page
    assert planned.practice_incident is not None
    assert planned.practice_incident.ref in page
    # And files the results
    response = admin_client.post(
        f"/admin/drills/drill/{planned.pk}/complete/",
        {
            "what_worked": "Paging",
            "gaps_found": "Comms late",
            "playbook_updates": "Pre-write the template\n",
        },
    )
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == DrillStatus.COMPLETED
    assert ActionItem.objects.filter(source="drill").count() == 1
    # Then the report and the trend show it
    report = admin_client.get(f"/admin/drills/drill/{planned.pk}/report/").content.decode()
    assert "Comms late" in report
    assert "Pre-write the template" in report
    trend = admin_client.get("/admin/drills/drill/trend/").content.decode()
    assert f"#{planned.pk}" in trend
    assert planned.scenario is not None
    assert planned.scenario.title in trend


def test_start_by_get_is_refused(admin_client: Client, planned: Drill) -> None:
    assert admin_client.get(f"/admin/drills/drill/{planned.pk}/start/").status_code == 405


def test_gaps_are_flagged_on_the_changelist(admin_client: Client, planned: Drill) -> None:
    import datetime

    from django.utils import timezone

    DrillGap.objects.create(quarter_start=datetime.date(2026, 4, 1), flagged_at=timezone.now())
    page = admin_client.get("/admin/drills/drill/").content.decode()
    assert "Quarters without a drill: 2026-Q2" in page


@pytest.mark.parametrize("size", [2, 6])
def test_changelist_query_count_is_constant(
    admin_client: Client, policy: Any, system: Actor, size: int, django_assert_num_queries: Any
) -> None:
    held_drills(size, system)
    with django_assert_num_queries(8):
        response = admin_client.get("/admin/drills/drill/")
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 6])
def test_trend_query_count_is_constant(
    admin_client: Client, policy: Any, system: Actor, size: int, django_assert_num_queries: Any
) -> None:
    held_drills(size, system)
    with django_assert_num_queries(5):
        response = admin_client.get("/admin/drills/drill/trend/")
    assert response.content.decode().count('class="trend-row"') == size


def test_scenario_changelist_is_constant(
    admin_client: Client, policy: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(5):
        assert admin_client.get("/admin/drills/scenario/").status_code == 200


def test_validating_the_drill_form_writes_nothing(policy: Any) -> None:
    """Forms only parse and validate (issue 12): the admin's save path calls the service."""
    from drills.admin import DrillForm

    Drill.objects.all().delete()
    form = DrillForm({"planned_on": "2026-08-18", "environment": "staging", "notes": ""})
    assert form.is_valid(), form.errors
    assert not Drill.objects.exists()


def test_admin_add_plans_exactly_once_as_the_admin_user(
    admin_client: Client, policy: Any, founder: Any
) -> None:
    from portal.audit.models import AuditEntry

    Drill.objects.all().delete()
    response = admin_client.post(
        "/admin/drills/drill/add/",
        {"planned_on": "2026-08-18", "environment": "staging", "notes": "game day"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    drill = Drill.objects.get()
    [entry] = AuditEntry.objects.filter(object_type="drills.drill", object_id=str(drill.pk))
    assert (entry.action, entry.actor_user_id) == ("create", founder.pk)


def test_admin_edit_writes_exactly_once_as_the_admin_user(
    admin_client: Client, planned: Drill, founder: Any
) -> None:
    from portal.audit.models import AuditEntry

    seen = set(AuditEntry.objects.values_list("pk", flat=True))
    response = admin_client.post(
        f"/admin/drills/drill/{planned.pk}/change/",
        {
            "planned_on": planned.planned_on.isoformat(),
            "facilitator": founder.pk,
            "environment": planned.environment,
            "notes": "moved to the lab",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    [entry] = AuditEntry.objects.filter(
        object_type="drills.drill", object_id=str(planned.pk), action="update"
    ).exclude(pk__in=seen)
    assert entry.actor_user_id == founder.pk
    assert entry.after == {"notes": "moved to the lab"}
