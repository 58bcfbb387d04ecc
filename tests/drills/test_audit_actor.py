"""The drill services write their own audit entries, with the actor each door gave:
admin, API, `manage.py drill --as USER`, and the daily scheduler task."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from drills import services
from drills.choices import DrillStatus
from drills.models import Drill, DrillDraw, DrillGap, Scenario
from drills.tasks import drill_schedule_task
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor

UTC = datetime.UTC


def _entries(obj: Any, action: str | None = None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")
    return list(found.filter(action=action) if action else found)


# --- services --------------------------------------------------------------------------


def test_plan_edit_cancel_each_record_the_actor_before_and_after(policy: Any, founder: Any) -> None:
    Drill.objects.filter(status=DrillStatus.PLANNED).delete()
    actor = Actor.for_user(founder)
    drill = services.plan_drill(actor=actor, planned_on=datetime.date(2026, 8, 18))
    services.update_drill(
        drill=drill, actor=actor, changes={"planned_on": datetime.date(2026, 8, 20)}
    )
    services.cancel_drill(drill=drill, actor=Actor.system("ops"), reason="Launch week")
    created, edited, cancelled = _entries(drill)
    assert (created.action, created.actor_label) == ("create", "founder")
    assert created.after is not None
    assert created.after["planned_on"] == "2026-08-18"
    assert (edited.action, edited.actor_label) == ("update", "founder")
    assert (edited.before, edited.after) == (
        {"planned_on": "2026-08-18"},
        {"planned_on": "2026-08-20"},
    )
    assert cancelled.before is not None
    assert cancelled.after is not None
    assert (cancelled.actor_label, cancelled.before["status"], cancelled.after["status"]) == (
        "ops",
        "planned",
        "cancelled",
    )


def test_start_records_the_draw_and_the_drill_with_the_actor(planned: Drill, founder: Any) -> None:
    drill = services.start_drill(drill=planned, actor=Actor.for_user(founder))
    draw = DrillDraw.objects.get(drill=drill)
    assert [e.actor_label for e in _entries(draw, "create")] == ["founder"]
    entry = _entries(drill, "update")[-1]
    assert entry.actor_label == "founder"
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("planned", "running")
    assert entry.after["practice_incident_id"] == drill.practice_incident_id


def test_complete_records_results_and_the_action_items_it_linked(
    planned: Drill, founder: Any
) -> None:
    actor = Actor.for_user(founder)
    drill = services.start_drill(drill=planned, actor=actor)
    services.complete_drill(
        drill=drill, actor=actor, what_worked="Paging", playbook_updates=["Add a runbook"]
    )
    [item] = drill.action_items.all()
    entry = _entries(drill, "update")[-1]
    assert entry.actor_label == "founder"
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("running", "completed")
    assert (entry.before["action_items"], entry.after["action_items"]) == ([], [item.pk])
    assert [e.actor_label for e in _entries(item, "create")] == ["founder"]


def test_seeding_the_catalogue_records_each_new_scenario(db: Any) -> None:
    added = services.seed_scenarios(actor=Actor.system("seed"))
    assert added > 0
    entries = AuditEntry.objects.filter(object_type="drills.scenario", action="create")
    assert entries.count() == added == Scenario.objects.count()
    assert set(entries.values_list("actor_label", flat=True)) == {"seed"}


# --- doors -----------------------------------------------------------------------------


def test_admin_start_button_audits_as_the_logged_in_user(planned: Drill, founder: Any) -> None:
    client = Client()
    client.force_login(founder)
    response = client.post(reverse("admin:drills_drill_start", args=[planned.pk]))
    assert response.status_code == 302
    entry = _entries(planned, "update")[-1]
    assert (entry.actor_label, entry.actor_user_id) == ("founder", founder.pk)
    assert entry.after is not None
    assert entry.after["status"] == "running"


def test_api_plan_audits_as_the_token(policy: Any, api: Any, founder: Any) -> None:
    Drill.objects.filter(status=DrillStatus.PLANNED).delete()
    response = api.post(
        "/api/v1/drills/", {"planned_on": "2026-08-18", "facilitator": "founder"}, format="json"
    )
    assert response.status_code == 201
    [entry] = _entries(Drill.objects.get(pk=response.json()["id"]), "create")
    assert entry.actor_label == "founder (token test)"
    assert entry.actor_user_id == founder.pk
    assert entry.actor_token_id is not None


def test_cli_as_user_audits_as_that_user_and_without_it_as_cli(policy: Any, founder: Any) -> None:
    Drill.objects.filter(status=DrillStatus.PLANNED).delete()
    call_command("drill", "--as", "founder", "plan", "--date", "2026-08-18", stdout=StringIO())
    drill = Drill.objects.get(status=DrillStatus.PLANNED)
    [entry] = _entries(drill, "create")
    assert (entry.actor_label, entry.actor_user_id) == ("founder", founder.pk)
    call_command("drill", "draw", stdout=StringIO())
    started = _entries(drill, "update")[-1]
    assert (started.actor_label, started.actor_user_id) == ("cli", None)


def test_scheduler_task_audits_plan_reminder_and_gap_as_the_scheduler(
    db: Any, founder: Any
) -> None:
    # Given a drill held in Q1 2026 and nothing since
    held = Drill.objects.create(
        planned_on=datetime.date(2026, 2, 10),
        facilitator=founder,
        status=DrillStatus.COMPLETED,
        started_at=datetime.datetime(2026, 2, 10, 10, tzinfo=UTC),
    )
    # When the daily task runs in Q3 (Q2 had no drill) on a day the next one is close
    with time_machine.travel(datetime.datetime(2026, 7, 2, 8, tzinfo=UTC), tick=False):
        drill_schedule_task()
    planned = Drill.objects.get(status=DrillStatus.PLANNED)
    # One quarter after the last (2026-05-10) is already past: planned ahead, not in the past.
    assert planned.planned_on > datetime.date(2026, 7, 2)
    [created] = _entries(planned, "create")
    assert created.actor_label == "drill scheduler"
    gap = DrillGap.objects.get(quarter_start=datetime.date(2026, 4, 1))
    assert [e.actor_label for e in _entries(gap, "create")] == ["drill scheduler"]
    assert held.pk != planned.pk


def test_scheduler_reminder_stamp_is_audited_with_the_task_actor(
    planned: Drill,
) -> None:
    from drills.scheduling import send_drill_reminders

    sent = send_drill_reminders(
        actor=Actor.system("drill scheduler"),
        today=planned.planned_on - datetime.timedelta(days=3),
    )
    assert sent == 1
    [entry] = _entries(planned, "update")[-1:]
    assert entry.actor_label == "drill scheduler"
    assert entry.before == {"reminder_sent_at": None}
    assert entry.after is not None
    assert entry.after["reminder_sent_at"] is not None


@pytest.mark.parametrize("door", ["admin", "api"])
def test_update_door_actor_matches(door: str, planned: Drill, founder: Any, api: Any) -> None:
    if door == "admin":
        client = Client()
        client.force_login(founder)
        client.post(
            reverse("admin:drills_drill_change", args=[planned.pk]),
            {
                "planned_on": "2026-05-20",
                "facilitator": founder.pk,
                "environment": "staging",
                "notes": planned.notes,
            },
        )
        expected = "founder"
    else:
        api.patch(f"/api/v1/drills/{planned.pk}/", {"planned_on": "2026-05-20"}, format="json")
        expected = "founder (token test)"
    entry = _entries(planned, "update")[-1]
    assert entry.actor_label == expected
    assert entry.after == {"planned_on": "2026-05-20"}
