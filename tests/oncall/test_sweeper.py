"""The on-call sweeper only pages: due escalation steps, nothing else."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from pytest_django import Settings

from incidents.choices import TimelineKind
from incidents.models import Incident, TimelineEntry
from incidents.oncall import sweeper
from portal.notifications.models import OutboxMessage

T0 = datetime.datetime(2026, 3, 2, 13, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_the_sweep_pages_and_leaves_missed_deadlines_to_the_incidents_core(declare: Any) -> None:
    # Given a SEV-1 past its acknowledge target
    with time_machine.travel(T0, tick=False):
        declare("SEV-1", "Checkout down")
    # When the on-call sweep runs
    result = sweeper.sweep(now=T0 + datetime.timedelta(minutes=16))
    # Then it reports pages only, and no miss is recorded by it
    assert set(result) == {"pages", "personal", "follow_ups"}
    assert not TimelineEntry.objects.filter(kind=TimelineKind.DEADLINE_MISSED).exists()
    assert not OutboxMessage.objects.filter(kind="deadline_missed").exists()


@pytest.mark.django_db
def test_one_sweep_advances_every_due_escalation_even_when_they_page_nobody(
    declare: Callable[..., Incident], settings: Settings
) -> None:
    # Issue 11: with 5 due escalations that page nobody and a batch size of 2, one
    # sweep advanced 2 and stopped (the loop compared pages written with the batch size).
    from django.contrib.auth.models import Group

    from incidents.oncall.models import (
        Escalation,
        EscalationPolicy,
        EscalationStep,
        SeverityEscalation,
    )

    settings.SWEEP_BATCH_SIZE = 2
    nobody = EscalationPolicy.objects.create(name="Nobody", repeat=0)
    EscalationStep.objects.create(
        policy=nobody,
        order=1,
        delay_minutes=5,
        target_kind="group",
        group=Group.objects.create(name="Empty"),
    )
    SeverityEscalation.objects.filter(level_code="SEV-1").update(policy=nobody)
    with time_machine.travel(T0, tick=False):
        for i in range(5):
            declare("SEV-1", f"Outage {i}")
    # No superuser exists: the fallback is empty too, so these steps page nobody.
    result = sweeper.sweep(now=T0 + datetime.timedelta(minutes=5))
    assert result["pages"] == 0
    assert sorted(Escalation.objects.values_list("next_index", flat=True)) == [1] * 5
    assert set(Escalation.objects.values_list("status", flat=True)) == {"exhausted"}
    # And each incident says nobody was paged, loudly
    assert TimelineEntry.objects.filter(message__contains="NOBODY WAS PAGED").count() == 5
