from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from incidents.models import Incident

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # a Monday


@pytest.fixture
def history(declare: Any, system: Any) -> Any:
    """Three real incidents, a drill and a cancelled one, in the first week of March 2026.

    SEV-1 (customer report): impact 08:50, declared 09:00, ack +10 min, mitigated +30, resolved +60.
    SEV-2 (monitoring): declared 10:00, ack +4 min, resolved +2 h.
    SEV-2 (monitoring): declared 11:00, ack +20 min, still open.
    """
    from incidents import services

    made: dict[str, Incident] = {}
    with time_machine.travel(T0, tick=False) as clock:
        sev1 = declare(
            "SEV-1",
            title="Checkout down",
            detection_source="customer_report",
            impact_started_at=T0 - datetime.timedelta(minutes=10),
            detected_at=T0 - datetime.timedelta(minutes=5),
        )
        clock.move_to(T0 + datetime.timedelta(minutes=10))
        services.acknowledge_incident(incident=sev1, actor=system)
        clock.move_to(T0 + datetime.timedelta(minutes=30))
        services.mitigate_incident(incident=sev1, actor=system)
        clock.move_to(T0 + datetime.timedelta(minutes=60))
        services.resolve_incident(incident=sev1, actor=system, message="Fixed")
        clock.move_to(T0 + datetime.timedelta(hours=1))
        sev2 = declare("SEV-2", title="Slow search", detection_source="monitoring_alert")
        clock.move_to(T0 + datetime.timedelta(hours=1, minutes=4))
        services.acknowledge_incident(incident=sev2, actor=system)
        clock.move_to(T0 + datetime.timedelta(hours=3))
        services.resolve_incident(incident=sev2, actor=system, message="Fixed")
        clock.move_to(T0 + datetime.timedelta(hours=2))
        open2 = declare("SEV-2", title="Emails delayed", detection_source="monitoring_alert")
        clock.move_to(T0 + datetime.timedelta(hours=2, minutes=20))
        services.acknowledge_incident(incident=open2, actor=system)
        drill = declare("SEV-1", title="Game day", is_drill=True)
        cancelled = declare("SEV-3", title="False alarm")
        services.cancel_incident(incident=cancelled, actor=system, reason="noise")
    made.update(sev1=sev1, sev2=sev2, open2=open2, drill=drill, cancelled=cancelled)
    return made
