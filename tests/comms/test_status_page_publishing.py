"""Issue 14, "Raw alert text on the public page": incidents opened from alerts stay off
/status/ until someone publishes a customer-facing title or update; a per-level policy
setting chooses whether a person's declaration publishes at once.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from incidents.comms.status_page import public_incidents
from incidents.models import Incident, SeverityLevel
from incidents.services import post_status_update, update_incident_details
from tests.integrations.conftest import make_integration as _make_integration
from tests.integrations.conftest import open_now, sample

pytestmark = pytest.mark.django_db
make_integration = _make_integration  # the integrations' fixture, shared here

RAW = "[FIRING:1] ProbeFailure (critical pagerduty)"


@pytest.fixture
def alert_incident(make_integration: Any, client: Any) -> Incident:
    am = make_integration("alertmanager")
    body = sample("alertmanager_v4_firing.json")
    body["alerts"] = body["alerts"][:1]
    body["alerts"][0]["annotations"]["summary"] = RAW
    response = client.post(
        f"/integrations/alertmanager/{am.key}/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
    open_now()  # the engine's opening loop declares the alert's incident
    incident = Incident.objects.get()
    assert incident.environment == "production"
    assert incident.customer_facing
    return incident


def test_alert_opened_incident_stays_off_status_page(alert_incident: Incident, client: Any) -> None:
    page = client.get("/status/").content.decode()
    assert RAW not in page
    assert alert_incident.ref not in page
    assert client.get(f"/status/incidents/{alert_incident.ref}/").status_code == 404
    assert alert_incident.ref not in client.get("/status/summary.json").content.decode()


def test_alert_incident_appears_once_a_public_title_is_set(
    alert_incident: Incident, client: Any, system: Any
) -> None:
    update_incident_details(
        incident=alert_incident, actor=system, changes={"public_title": "Checkout is slow"}
    )
    page = client.get("/status/").content.decode()
    assert "Checkout is slow" in page
    assert RAW not in page


def test_alert_incident_appears_with_a_public_update_but_not_its_raw_title(
    alert_incident: Incident, client: Any, system: Any
) -> None:
    post_status_update(
        incident=alert_incident,
        actor=system,
        status="investigating",
        message="We are looking into slow checkouts.",
        public=True,
    )
    page = client.get("/status/").content.decode()
    assert alert_incident.ref in page
    assert "We are looking into slow checkouts." in page
    assert RAW not in page


def test_policy_per_level_chooses_whether_declaration_publishes(declare: Any, policy: Any) -> None:
    published = declare(severity="SEV-2", title="Payments down")
    SeverityLevel.objects.filter(version=policy, code="SEV-3").update(publish_on_declare=False)
    waiting = declare(severity="SEV-3", title="Search slow")
    visible = set(public_incidents().values_list("ref", flat=True))
    assert published.ref in visible
    assert waiting.ref not in visible
