"""PagerDuty's own Python client, unchanged, against the portal over real HTTP."""

from __future__ import annotations

from typing import Any

import pagerduty
import pytest
from django.utils import timezone

from incidents.integrations.models import ChangeEvent
from incidents.models import Incident
from tests.integrations.conftest import open_now


class PlainHttpEventsClient(pagerduty.EventsApiV2Client):
    """The client refuses non-https base URLs; the test server speaks plain HTTP.

    Only that check is lifted: requests, bodies and response parsing are the client's own.
    """

    @property
    def url(self) -> str:
        assert self._url is not None
        return self._url

    @url.setter
    def url(self, new_base_url: str) -> None:
        self._url = new_base_url


@pytest.mark.django_db(transaction=True)
def test_pagerduty_client_drives_trigger_acknowledge_resolve(
    live_server: Any, make_integration: Any
) -> None:
    # Given a PagerDuty integration that auto-resolves, and PagerDuty's client pointed at the portal
    integration = make_integration("pagerduty", name="Datadog", auto_resolve=True)
    client = PlainHttpEventsClient(
        integration.key, base_url=live_server.url + "/integrations/pagerduty"
    )

    # When it sends a deploy as a change event
    client.submit(
        "Deploy api v42",
        source="ci",
        custom_details={"sha": "abc123"},
        timestamp=timezone.now().isoformat(),
    )
    assert ChangeEvent.objects.get().summary == "Deploy api v42"

    # And triggers an alert: the portal returns the dedup key and opens an incident
    dedup_key = client.trigger(
        "Checkout 5xx above 5%", "lb-1", dedup_key="checkout-5xx", severity="error"
    )
    assert dedup_key == "checkout-5xx"
    open_now()  # the engine's opening loop, woken by the commit
    incident = Incident.objects.get()
    assert (incident.status, incident.severity.code, incident.alert_count) == (
        "investigating",
        "SEV-2",
        1,
    )
    assert [c.change.summary for c in incident.recent_changes.all()] == ["Deploy api v42"]

    # A trigger without a dedup key gets one generated, a repeat counts
    generated = client.trigger("Another alert", "lb-2")
    open_now()
    assert len(generated) == 32
    client.trigger("Checkout 5xx above 5%", "lb-1", dedup_key="checkout-5xx", severity="error")
    incident.refresh_from_db()
    assert incident.alert_count == 2

    # When it acknowledges, the incident is acknowledged
    assert client.acknowledge("checkout-5xx") == "checkout-5xx"
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None

    # When it resolves, the incident is mitigated and (auto-resolve) resolved
    client.resolve("checkout-5xx")
    incident.refresh_from_db()
    assert incident.mitigated_at is not None
    assert incident.status in ("resolved", "closed")
    assert incident.resolved_at is not None


@pytest.mark.django_db(transaction=True)
def test_pagerduty_client_sees_a_wrong_key_as_an_error(live_server: Any, policy: Any) -> None:
    client = PlainHttpEventsClient("0" * 32, base_url=live_server.url + "/integrations/pagerduty")
    with pytest.raises(pagerduty.Error) as exc:
        client.trigger("x", "y")
    assert "400" in str(exc.value)
    assert not Incident.objects.exists()
