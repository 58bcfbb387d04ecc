"""Issue 26: "002 asks post-mortems for fixes and preventions, 004 for resolution steps
and data lost: those sections are missing". A level lists the sections its playbook asks
for; publishing requires them there, and nowhere else."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from incidents.comms.placeholders import incident_values
from incidents.services import declare_incident, resolve_incident
from portal.kernel.actors import Actor
from postmortems.models import PostMortem
from postmortems.services.publishing import located_problems

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 5)


def _postmortem(load_policy: Any, preset: str, level: str) -> PostMortem:
    load_policy(preset)
    actor = Actor.system("test")
    incident = declare_incident(actor=actor, title="Payments delayed", severity=level)
    resolve_incident(incident=incident, actor=actor, unmet_comms_reason="test")
    return PostMortem.objects.get(incident=incident)


def _empty_sections(postmortem: PostMortem) -> set[str]:
    return {
        p.field
        for p in located_problems(postmortem, today=TODAY)
        if p.message.startswith("The section")
    }


@pytest.mark.parametrize(
    ("preset", "level", "asked"),
    [
        ("ops-platform", "SEV2", {"resolution", "prevention"}),  # 002: fixes, preventions
        ("s-levels", "S1", {"resolution", "data_lost"}),  # 004: resolution steps, data lost
        ("founder-24x7", "SEV-1", set()),  # 000 asks for neither
    ],
)
def test_publishing_requires_the_sections_the_playbook_asks_for(
    load_policy: Any, preset: str, level: str, asked: set[str]
) -> None:
    postmortem = _postmortem(load_policy, preset, level)
    empty = _empty_sections(postmortem)
    assert empty & {"resolution", "prevention", "data_lost"} == asked
    for field in asked:
        setattr(postmortem, field, "written")
    postmortem.save()
    assert not _empty_sections(postmortem) & {"resolution", "prevention", "data_lost"}


def test_the_api_edits_the_playbook_sections(api: Any, load_policy: Any) -> None:
    postmortem = _postmortem(load_policy, "s-levels", "S1")
    response = api.patch(
        f"/api/v1/postmortems/{postmortem.incident.ref}/",
        {"resolution": "Restored the replica from the 02:00 snapshot.", "data_lost": "None."},
        format="json",
    )
    assert response.status_code == 200, response.content
    postmortem.refresh_from_db()
    assert (postmortem.resolution, postmortem.data_lost) == (
        "Restored the replica from the 02:00 snapshot.",
        "None.",
    )


def test_fix_and_prevention_fall_back_on_the_postmortem(load_policy: Any) -> None:
    postmortem = _postmortem(load_policy, "ops-platform", "SEV2")
    postmortem.resolution = "we moved payments to a healthy replica"
    postmortem.prevention = "replica lag now pages us"
    postmortem.save()
    values = incident_values(postmortem.incident)
    assert (values["fix"], values["prevention"]) == (
        "we moved payments to a healthy replica",
        "replica lag now pages us",
    )
