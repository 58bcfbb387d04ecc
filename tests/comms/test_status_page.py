"""The public status page, its feed and summary: right, fast, and leak nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import feedparser
import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from incidents.models import Incident
from incidents.services import add_note, cancel_incident, post_status_update, resolve_incident
from portal.kernel.actors import Actor

SECRET_STRINGS = (
    "ic-zelda",  # commander username
    "NOTE-internal-db-password-rotation",  # internal note
    "INTERNAL-UPDATE-blame-vendor",  # non-public status update
    "DRILL-hat-scenario",  # drill incident title
    "STAGING-only-outage",  # staging incident title
    "CANCELLED-false-alarm",  # cancelled incident title
    "Billing worker",  # non-public component
    "#incident-",  # war-room channel
)


@pytest.fixture
def world(
    declare: Callable[..., Incident],
    send: Any,
    components: Any,
    django_user_model: type[User],
    system: Actor,
) -> dict[str, Incident]:
    """One public open incident with a public update, plus everything that must stay hidden."""
    commander = django_user_model.objects.create_user("ic-zelda", "zelda@corp.test", "pw-x-123456")
    public = declare(
        "SEV-2",
        title="Checkout errors",
        public_title="Checkout errors",
        commander=commander,
        services=[components["api"], components["internal"]],
    )
    send(public, "status_page", body="We're investigating checkout errors.")
    add_note(incident=public, actor=system, text="NOTE-internal-db-password-rotation")
    post_status_update(
        incident=public, actor=system, status="identified", message="INTERNAL-UPDATE-blame-vendor"
    )
    post_status_update(
        incident=public,
        actor=system,
        status="identified",
        message="Fix is rolling out.",
        public=True,
    )
    drill = declare("SEV-1", title="DRILL-hat-scenario", is_drill=True, environment="staging")
    send(drill, "status_page", body="DRILL-hat-scenario update")
    staging = declare(
        "SEV-1", title="STAGING-only-outage", environment="staging", services=[components["web"]]
    )
    send(staging, "status_page", body="STAGING-only-outage update")
    cancelled = declare("SEV-3", title="CANCELLED-false-alarm")
    cancel_incident(incident=cancelled, actor=system, reason="false alarm")
    return {"public": public, "drill": drill, "staging": staging, "cancelled": cancelled}


def _pages(client: Client, world: dict[str, Incident]) -> dict[str, Any]:
    ref = world["public"].ref
    return {
        "status": client.get("/status/"),
        "feed": client.get("/status/feed/"),
        "summary": client.get("/status/summary.json"),
        "incident": client.get(f"/status/incidents/{ref}/"),
    }


def test_status_page_shows_the_open_incident_and_its_public_updates(
    world: dict[str, Incident],
) -> None:
    html = Client().get("/status/").content.decode()
    assert "Checkout errors" in html
    assert "We&#x27;re investigating checkout errors." in html
    assert "Fix is rolling out." in html
    assert "Partial System Outage" in html  # SEV-2 = major indicator
    assert "Partial outage" in html  # the API component
    assert "Web app" in html
    assert "Operational" in html


def test_nothing_internal_leaks_from_any_public_page(world: dict[str, Incident]) -> None:
    for name, response in _pages(Client(), world).items():
        assert response.status_code == 200, name
        text = response.content.decode()
        for secret in SECRET_STRINGS:
            assert secret not in text, f"{secret!r} leaked on {name}"


@pytest.mark.parametrize("which", ["drill", "staging", "cancelled"])
def test_hidden_incidents_have_no_public_page(world: dict[str, Incident], which: str) -> None:
    assert Client().get(f"/status/incidents/{world[which].ref}/").status_code == 404
    assert Client().get("/status/incidents/INC-19990101-01/").status_code == 404


def test_feed_parses_and_lists_public_updates(world: dict[str, Incident]) -> None:
    feed = feedparser.parse(Client().get("/status/feed/").content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    titles = [e.title for e in feed.entries]
    assert titles == ["Identified: Checkout errors", "Investigating: Checkout errors"]
    assert feed.entries[0].link.endswith(f"/status/incidents/{world['public'].ref}/")


def test_summary_is_shaped_like_statuspage(world: dict[str, Incident], send: Any) -> None:
    send(world["public"], "banner", body="Checkout may fail; see status page.")
    data = Client().get("/status/summary.json").json()
    assert set(data) >= {"page", "components", "incidents", "status"}
    assert set(data["page"]) >= {"id", "name", "url", "updated_at"}
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert {c["id"]: c["status"] for c in data["components"]} == {
        "api": "partial_outage",
        "web-app": "operational",
    }
    [incident] = data["incidents"]
    assert incident["id"] == world["public"].ref
    assert incident["impact"] == "major"
    assert [u["body"] for u in incident["incident_updates"]] == [
        "Fix is rolling out.",
        "We're investigating checkout errors.",
    ]
    assert data["banner"]["text"] == "Checkout may fail; see status page."


def test_all_clear_when_nothing_is_open(
    declare: Callable[..., Incident], send: Any, system: Actor
) -> None:
    incident = declare("SEV-1", title="Old outage", public_title="Old outage")
    send(incident, "banner", body="Old banner")
    resolve_incident(incident=incident, actor=system)
    data = Client().get("/status/summary.json").json()
    assert data["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert data["incidents"] == []
    assert data["banner"] is None
    html = Client().get("/status/").content.decode()
    assert "All Systems Operational" in html
    assert "Old outage" in html  # listed under past incidents
    assert Client().get(f"/status/incidents/{incident.ref}/").status_code == 200


def test_cache_is_dropped_when_comms_are_sent(declare: Callable[..., Incident], send: Any) -> None:
    incident = declare("SEV-2", title="Search slow", public_title="Search slow")
    assert "Search slow" in Client().get("/status/").content.decode()
    send(incident, "status_page", body="Looking into slow search.")
    assert "Looking into slow search." in Client().get("/status/").content.decode()


def test_history_bar_marks_the_day_of_an_incident(
    declare: Callable[..., Incident], components: Any
) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False):
        declare("SEV-1", title="API down", public_title="API down", services=[components["api"]])
    with time_machine.travel(datetime.datetime(2026, 3, 5, 10, 0, tzinfo=datetime.UTC), tick=False):
        from incidents.comms.status_page import status_snapshot

        history = {row["name"]: row["bars"] for row in status_snapshot()["history"]}
    assert len(history["API"]) == 90
    by_day = {bar["day"].isoformat(): bar for bar in history["API"]}
    assert by_day["2026-03-02"]["status"] == "major_outage"
    assert by_day["2026-03-02"]["count"] == 1
    assert by_day["2026-03-03"]["status"] == "operational"
    assert {bar["status"] for bar in history["Web app"]} == {"operational"}
    assert history["All systems"][-4]["status"] == "major_outage"


def _make_incidents(
    declare: Callable[..., Incident], send: Any, components: dict[str, Any], n: int
) -> None:
    for i in range(n):
        incident = declare(
            "SEV-2" if i % 2 else "SEV-3", title=f"Incident {i}", services=[components["api"]]
        )
        send(incident, "status_page", body=f"Update {i}")


@pytest.mark.parametrize("n", [2, 20])
def test_status_pages_use_a_constant_number_of_queries(
    declare: Callable[..., Incident],
    send: Any,
    components: Any,
    django_assert_num_queries: DjangoAssertNumQueries,
    n: int,
) -> None:
    from django.core.cache import caches

    _make_incidents(declare, send, components, n)
    client = Client()
    caches["status"].clear()
    with django_assert_num_queries(8):
        assert client.get("/status/").status_code == 200
    # The summary reuses the page's snapshot; the Statuspage v2 documents add the 50
    # recent incidents with their parts (4) and the components' times (2).
    with django_assert_num_queries(6):
        assert client.get("/status/summary.json").status_code == 200
    with django_assert_num_queries(0):  # cached: every v2 endpoint reads the same documents
        assert client.get("/status/api/v2/incidents.json").status_code == 200
    with django_assert_num_queries(2):
        assert client.get("/status/feed/").status_code == 200
    from incidents.models import Incident

    ref = Incident.objects.order_by("pk").values_list("ref", flat=True).first()
    with django_assert_num_queries(4):  # the incident, its services, messages, updates
        assert client.get(f"/status/incidents/{ref}/").status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/status/incidents/INC-19990101-01/").status_code == 404
