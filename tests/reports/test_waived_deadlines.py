"""Issue 25: a comms deadline waived at resolution (a person said why it will not be
sent) was exported as `superseded`, the word a severity change produces, and the
dashboard showed comms:email 100 % met. It is exported as waived, with its reason, and
never counted as met."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
import time_machine

from incidents import services
from incidents.models import Deadline
from portal.kernel.actors import Actor
from portal.project.reports.admin import _svg
from portal.project.reports.charts import outcome_bars
from portal.project.reports.periods import Period
from portal.project.reports.selectors import compute_metrics

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
MARCH = Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
REASON = "The email goes out with the post-mortem."


@pytest.fixture
def waived(declare: Any, founder: Any) -> Any:
    """A SEV-1 resolved by a person with the customer email unsent, saying why."""
    actor = Actor.for_user(founder)
    with time_machine.travel(T0, tick=False) as clock:
        incident = declare("SEV-1", title="Checkout down", actor=actor)
        clock.move_to(T0 + datetime.timedelta(minutes=5))
        services.acknowledge_incident(incident=incident, actor=actor)
        clock.move_to(T0 + datetime.timedelta(minutes=8))
        services.resolve_incident(
            incident=incident,
            actor=actor,
            message="Payments work again.",
            public=True,
            unmet_comms_reason=REASON,
        )
    return incident


def test_a_waived_comms_deadline_is_exported_as_waived_with_its_reason(
    api: Any, waived: Any
) -> None:
    email = Deadline.objects.get(incident=waived, channel="email")
    assert email.waived_reason == REASON
    response = api.get("/api/v1/exports/deadline-compliance/?from=2026-03-01&to=2026-03-31")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = next(r for r in rows if r["kind"] == "comms" and r["channel"] == "email")
    assert row["outcome"] == "waived"
    assert row["waived_reason"] == REASON
    assert "superseded" not in {r["outcome"] for r in rows}


def test_the_dashboard_does_not_count_a_waived_deadline_as_met(waived: Any) -> None:
    metrics = compute_metrics(MARCH, now=T0 + datetime.timedelta(hours=1))
    email = metrics.compliance["comms:email"]
    assert email["met"] == 0
    assert email["waived"] == 1
    chart = _svg(outcome_bars(list(metrics.compliance.items()), "Deadline compliance"))
    row = chart.split(">comms:email<", 1)[1].split("</text>", 2)[1]
    assert "100%" not in row
    assert "comms:email waived: 1" in chart


def test_the_cockpit_shows_the_waiver_and_its_reason(
    client: Any, founder: Any, waived: Any
) -> None:
    client.force_login(founder)
    page = client.get(f"/admin/incidents/incident/{waived.pk}/change/").content.decode()
    assert f"waived: {REASON}" in page
