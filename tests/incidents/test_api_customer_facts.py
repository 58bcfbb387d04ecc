"""Issue 15: the customer facts templates fill from are readable and writable in the API."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from tests.incidents.api_paths import incident_url as url


def test_patch_sets_the_customer_facing_facts(api: APIClient, declare: Any) -> None:
    """Issue 15: the customer facts templates fill from are writable through the API too."""
    incident = declare("SEV-2")
    response = api.patch(
        url(incident.ref),
        {
            "what_is_broken": "card payments at checkout",
            "customer_impact": "failed payments",
            "public_title": "Payments degraded",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["what_is_broken"] == "card payments at checkout"
    assert body["customer_impact"] == "failed payments"
    assert body["public_title"] == "Payments degraded"
    too_long = api.patch(url(incident.ref), {"what_is_broken": "x" * 201}, format="json")
    assert too_long.status_code == 400
    assert "what_is_broken" in too_long.json()
