"""The ingestion fast path: what a repeated alert costs, and that senders still get HTTP right."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.integrations.models import Alert
from incidents.models import Incident
from tests.integrations.conftest import pd_event

ENQUEUE = "/integrations/pagerduty/v2/enqueue"

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_a_repeat_on_an_open_incident_is_one_statement(pd: Any, post: Any, client: Any) -> None:
    # Given an open incident for a key (and a fold already written at ×1)
    assert post(ENQUEUE, pd_event(pd.key)).status_code == 202
    # When the same trigger repeats (×2, not a fold): the request alone, without the
    # engine's opening cycle that the `post` fixture runs after it
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            ENQUEUE, data=json.dumps(pd_event(pd.key)), content_type="application/json"
        )
    # Then the request ran one SQL statement: no session, no user, no transaction, no audit
    assert response.status_code == 202
    assert len(queries) == 1, [q["sql"][:80] for q in queries]
    assert Alert.objects.get().count == 2
    assert Incident.objects.get().alert_count == 2


@pytest.mark.postgres
def test_the_repeat_statement_is_prepared_once_per_connection(pd: Any, post: Any) -> None:
    # When a key repeats more often than psycopg's prepare threshold
    for _ in range(8):
        assert post(ENQUEUE, pd_event(pd.key)).status_code == 202
    # Then PostgreSQL holds the repeat statement prepared on this connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any("alert_count = alert_count + 1" in s for s in statements), statements


def test_answers_carry_a_content_length_not_chunks(pd: Any, post: Any) -> None:
    response = post(ENQUEUE, pd_event(pd.key))
    assert response.status_code == 202
    assert response["Content-Length"] == str(len(response.content))
    refused = post(ENQUEUE, {"routing_key": pd.key})
    assert refused.status_code == 400
    assert refused["Content-Length"] == str(len(refused.content))


def test_senders_get_no_session_cookie_and_security_headers_stay(pd: Any, post: Any) -> None:
    response = post(ENQUEUE, pd_event(pd.key))
    assert not response.cookies
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still ran


def test_unknown_paths_under_the_prefix_take_the_usual_chain(client: Any) -> None:
    # A path that is no endpoint is answered as any other unknown URL (404), not by a view
    assert client.post("/integrations/nothing-here").status_code == 404


def test_other_paths_are_untouched(client: Any, engine_alive: Any) -> None:
    # The browser middleware still runs elsewhere (clickjacking header from its middleware)
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
