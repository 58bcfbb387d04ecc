"""Comms reach the post-mortem's facts through the extension point, with a real import
on the post-mortems side and no broad `except` hiding database errors (issue 12)."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import DatabaseError

from incidents.comms.placeholders import incident_values
from incidents.services import resolve_incident
from postmortems.models import PostMortem


def test_root_cause_and_impact_come_from_the_postmortem(declare: Any, system: Any) -> None:
    # Given a SEV-1 resolved (its post-mortem draft exists) with a root cause written
    incident = declare("SEV-1", title="Checkout down")
    resolve_incident(incident=incident, actor=system, unmet_comms_reason="comms later")
    PostMortem.objects.filter(incident=incident).update(
        root_cause="A full disk on the primary.", customer_impact_summary="", summary=""
    )
    values = incident_values(incident)
    # Then the post-mortem fills what it knows and the comms fallbacks apply to the rest
    assert values["root_cause"] == "A full disk on the primary."
    # (no post-mortem summary and no customer fact: blank, never the internal title)
    assert values["what_happened"] == ""
    assert values["fix"] == ""


def test_a_database_error_reading_the_postmortem_is_not_swallowed(declare: Any) -> None:
    incident = declare("SEV-2")
    with (
        mock.patch.object(PostMortem.objects, "filter", side_effect=DatabaseError("gone")),
        pytest.raises(DatabaseError),
    ):
        incident_values(incident)
