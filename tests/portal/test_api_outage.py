"""Issue 14: a database outage is a 503 with Retry-After in the REST API, never a 500."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError


@pytest.mark.parametrize("error", [OperationalError("could not connect to server")])
def test_an_unreachable_database_is_503_with_retry_after(
    api: Any, policy: Any, error: Exception
) -> None:
    with mock.patch("incidents.api.views.IncidentViewSet.get_queryset", side_effect=error):
        response = api.get("/api/v1/incidents/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "database" in response.json()["detail"]
