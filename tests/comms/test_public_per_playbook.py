"""Issue 26, "every level goes on the public status page at declaration, under its
internal title": /status/summary.json showed 000's SEV-4 "Typo on pricing page" and 003's
SEV-1 "Data breach suspected".

Each preset publishes on declaration only what its playbook's comms table says (000:
SEV-1/2 status page, SEV-3 banner, SEV-4 nothing; 003: SEV-3 "no customer impact"; 001,
002 and 004 name no status page), and what goes public is never the internal title."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client

from incidents.models import Incident
from incidents.services import declare_incident
from portal.kernel.actors import Actor

pytestmark = pytest.mark.django_db

PUBLISHED_ON_DECLARE = {
    "founder-24x7": {"SEV-1", "SEV-2"},
    "follow-the-sun": {"SEV-1", "SEV-2"},
    "ops-platform": set(),
    "rotation-small-team": set(),
    "s-levels": set(),
}


def _public_names() -> list[str]:
    caches["status"].clear()
    body = Client().get("/status/api/v2/incidents/unresolved.json").json()
    return [incident["name"] for incident in body["incidents"]]


@pytest.mark.parametrize("preset", sorted(PUBLISHED_ON_DECLARE))
def test_a_preset_publishes_only_the_levels_its_playbook_makes_public(
    preset: str, load_policy: Any
) -> None:
    version = load_policy(preset)
    actor = Actor.system("test")
    for level in version.levels.order_by("rank"):
        declare_incident(actor=actor, title=f"Internal: {level.code} db-2 lag", severity=level.code)
    names = _public_names()
    # Nothing internal is shown: no level's internal title reaches the public page
    assert not [n for n in names if n.startswith("Internal:")], names
    assert len(names) == len(PUBLISHED_ON_DECLARE[preset]), (preset, names)
    published = set(version.levels.filter(publish_on_declare=True).values_list("code", flat=True))
    assert published == PUBLISHED_ON_DECLARE[preset]


def test_a_published_incident_shows_its_public_title_or_the_customer_facts(
    load_policy: Any,
) -> None:
    load_policy("founder-24x7")
    actor = Actor.system("test")
    declare_incident(actor=actor, title="Data breach suspected", severity="SEV-1")
    declare_incident(
        actor=actor,
        title="pg replica lag on api-db-2",
        severity="SEV-2",
        what_is_broken="card payments at checkout",
    )
    declare_incident(
        actor=actor, title="Checkout 500s", severity="SEV-1", public_title="Checkout unavailable"
    )
    assert sorted(_public_names()) == [
        "Checkout unavailable",
        "Problems with card payments at checkout",
        "Service disruption",
    ]


def test_the_cli_opens_an_internal_incident_or_one_with_a_public_title(load_policy: Any) -> None:
    load_policy("founder-24x7")
    out = io.StringIO()
    call_command(
        "incident",
        "open",
        "--sev",
        "1",
        "--summary",
        "Data breach suspected",
        "--internal",
        stdout=out,
    )
    internal = Incident.objects.get(ref=out.getvalue().splitlines()[0])
    assert internal.customer_facing is False
    out = io.StringIO()
    call_command(
        "incident",
        "open",
        "--sev",
        "1",
        "--summary",
        "Checkout 500s",
        "--public-title",
        "Checkout unavailable",
        stdout=out,
    )
    assert _public_names() == ["Checkout unavailable"]


def test_the_api_declares_with_a_public_title(api: Any, load_policy: Any) -> None:
    load_policy("founder-24x7")
    response = api.post(
        "/api/v1/incidents/",
        {"title": "Checkout 500s", "severity": "SEV-1", "public_title": "Checkout unavailable"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["public_title"] == "Checkout unavailable"
    assert _public_names() == ["Checkout unavailable"]
