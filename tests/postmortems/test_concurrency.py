"""Exactly once on PostgreSQL: two sweeps at the same time, two publishes at the same time."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection

from incidents.policies import load_preset
from incidents.services import declare_incident, resolve_incident
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage
from postmortems import reminders, services
from postmortems.exceptions import PublishRefused
from postmortems.models import PostMortemRevision

TODAY = datetime.date(2026, 3, 16)


def run_together(target: Callable[[], Any], count: int = 2) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            target()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reminder_sweeps_at_once_send_each_reminder_once() -> None:
    owner = get_user_model().objects.create_user("owner", "owner@example.com", "pw-owner-1")
    actor = Actor.for_user(owner)
    for n in range(5):
        services.create_action_item(
            actor=actor,
            description=f"Item {n}",
            owner=owner,
            due_date=TODAY - datetime.timedelta(days=1),
        )
    errors = run_together(
        lambda: reminders.send_action_item_reminders(actor=Actor.system("t"), today=TODAY), 3
    )
    assert errors == []
    assert OutboxMessage.objects.filter(kind="action_item_overdue").count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_publishes_at_once_publish_one_revision() -> None:
    load_preset("founder-24x7", actor=Actor.system("test"))
    founder = get_user_model().objects.create_superuser("founder", "f@example.com", "pw-founder-1")
    actor = Actor.for_user(founder)
    with time_machine.travel(datetime.datetime(2026, 3, 5, 10, tzinfo=datetime.UTC), tick=False):
        incident = declare_incident(actor=actor, title="Checkout errors", severity="SEV-2")
        resolve_incident(
            incident=incident, actor=actor, unmet_comms_reason="test: comms are not the subject"
        )
        pm = incident.postmortem
        services.update_postmortem(
            postmortem=pm,
            actor=actor,
            changes={
                "root_cause": "Pool exhausted.",
                "contributing_causes": "No load test.",
                "what_worked": "Rollback.",
                "what_didnt": "Late status page.",
                "customer_impact_summary": "Checkout failed for some.",
            },
        )
        services.create_action_item(
            actor=actor, postmortem=pm, description="Cap retries", owner=founder, due_date=TODAY
        )
        services.submit_for_review(postmortem=pm, actor=actor, reviewers=[founder])
        errors = run_together(lambda: services.publish_postmortem(postmortem=pm, actor=actor))
    assert len(errors) == 1
    assert isinstance(errors[0], PublishRefused)
    assert PostMortemRevision.objects.filter(postmortem=pm).count() == 1
    incident.refresh_from_db()
    assert incident.status == "closed"
