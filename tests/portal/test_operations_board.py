"""Issue 15: the admin home is an operations board, in a constant number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import Deadline
from portal.kernel.actors import Actor

pytestmark = pytest.mark.django_db


def test_admin_home_shows_what_is_happening_now(client: Any, founder: Any, declare: Any) -> None:
    client.force_login(founder)
    actor = Actor.for_user(founder)
    open_one = declare("SEV-1", title="Checkout down", actor=actor)
    Deadline.objects.filter(incident=open_one, kind="ack").update(
        due_at=timezone.now() - datetime.timedelta(minutes=4)
    )
    page = client.get("/admin/").content.decode()
    for part in (
        'id="operations-board"',
        'id="board-incidents"',
        'id="board-overdue"',
        'id="board-oncall"',
        'id="board-pages"',
        'id="board-postmortems"',
        'id="board-drill"',
        'id="declare-incident"',
    ):
        assert part in page, part
    assert open_one.ref in page
    assert "not acknowledged" in page
    assert "missed 4 min ago" in page
    # The board comes before Django's list of model sections
    assert page.index('id="operations-board"') < page.index('class="app-')


def test_admin_home_query_count_is_constant(client: Any, founder: Any, declare: Any) -> None:
    client.force_login(founder)
    actor = Actor.for_user(founder)
    declare("SEV-2", title="One", actor=actor)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/admin/").status_code == 200
    for n in range(6):
        incident = declare("SEV-2", title=f"More {n}", actor=actor)
        if n % 2:
            services.resolve_incident(incident=incident, actor=actor, unmet_comms_reason="test")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/admin/").status_code == 200
    assert len(many) == len(few), "\n".join(q["sql"][:160] for q in many.captured_queries)


def test_admin_home_says_when_the_pager_is_late(
    client: Any, founder: Any, engine_alive: Any, declare: Any
) -> None:
    """Issue 24: the board shows founders the engine's state in one line, lag included."""
    from incidents.oncall.models import Escalation

    client.force_login(founder)
    incident = declare("SEV-1", title="Checkout down", actor=Actor.for_user(founder))
    page = client.get("/admin/").content.decode()
    assert 'id="board-engine"' not in page
    Escalation.objects.filter(incident=incident).update(
        status="active", next_step_at=timezone.now() - datetime.timedelta(minutes=3)
    )
    page = client.get("/admin/").content.decode()
    assert 'id="board-engine"' in page
    assert "The pager is late: an escalation step waits to page for 180 s." in page


def test_a_next_drill_whose_date_passed_is_marked_overdue(client: Any, founder: Any) -> None:
    """Issue 25: the next drill read a date six months past, with no mark."""
    from drills.services import plan_drill

    client.force_login(founder)
    today = timezone.now().date()
    plan_drill(actor=Actor.for_user(founder), planned_on=today - datetime.timedelta(days=182))
    page = client.get("/admin/").content.decode()
    board = page.split('id="board-drill"', 1)[1].split("</table>", 1)[0]
    assert 'class="ops-missed"' in board
    assert "overdue by 182 days" in board


def test_a_next_drill_still_ahead_is_not_marked(client: Any, founder: Any) -> None:
    from drills.services import plan_drill

    client.force_login(founder)
    today = timezone.now().date()
    plan_drill(actor=Actor.for_user(founder), planned_on=today + datetime.timedelta(days=30))
    board = client.get("/admin/").content.decode().split('id="board-drill"', 1)[1]
    board = board.split("</table>", 1)[0]
    assert "ops-missed" not in board
    assert "in 30 days" in board
