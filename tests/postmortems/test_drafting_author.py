"""Issue 26, playbook 003: "a blameless post-mortem within 72 hours, drafted by the IC":
the draft's author was whoever resolved (the founder), not the incident commander."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from incidents.services import declare_incident, resolve_incident
from incidents.services.roles import assign_role
from portal.kernel.actors import Actor

T0 = datetime.datetime(2026, 3, 5, 10, 0, tzinfo=datetime.UTC)
pytestmark = pytest.mark.django_db


def test_the_commander_drafts_the_postmortem_not_whoever_resolved(
    policy: Any, founder: Any, responder: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        incident = declare_incident(actor=Actor.for_user(founder), title="Down", severity="SEV-2")
        incident = assign_role(
            incident=incident, actor=Actor.for_user(founder), role="commander", user=responder
        )
    with time_machine.travel(T0 + datetime.timedelta(hours=1), tick=False):
        resolve_incident(
            incident=incident,
            actor=Actor.for_user(founder),
            message="Rolled back.",
            unmet_comms_reason="not the subject",
        )
    incident.refresh_from_db()
    assert incident.postmortem.author == responder


def test_without_a_commander_whoever_resolved_drafts(policy: Any, founder: Any) -> None:
    with time_machine.travel(T0, tick=False):
        incident = declare_incident(actor=Actor.system("test"), title="Down", severity="SEV-2")
        resolve_incident(
            incident=incident,
            actor=Actor.for_user(founder),
            message="Rolled back.",
            unmet_comms_reason="not the subject",
        )
    incident.refresh_from_db()
    assert incident.commander is None
    assert incident.postmortem.author == founder
