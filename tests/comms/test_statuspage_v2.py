"""Issue 27, "`/status/summary.json` is Statuspage-like only for lenient readers": the
status API in Statuspage's public API v2 shapes, read as its consumers read it.

Reference: Statuspage's public page API, documented on every hosted page's `/api`
(https://confluence.status.atlassian.com/api: summary, status, components, incidents,
unresolved incidents, scheduled maintenances, upcoming, active), and the field types as
the `statuspage.io` npm client types them (github.com/ffflorian/api-clients,
packages/statuspage.io/src/interfaces/Result.ts).

`StatuspageClient` below is a Python port of that client's calls
(packages/statuspage.io/src/Statuspage.ts, api/IncidentsAPI.ts,
api/ScheduledMaintenancesAPI.ts, Endpoints.ts and @ffflorian/api-client's
RequestService.ts): the page URL plus `/api/v2/<endpoint>`, GET, and a refusal of any
answer whose Content-Type does not contain `application/json`. Ported as written,
including `scheduledMaintenances.getActive()`/`getAll()` asking for `upcoming.json`.
"""

from __future__ import annotations

import datetime
import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from incidents.models import Incident
from incidents.services import (
    mitigate_incident,
    post_status_update,
    resolve_incident,
    update_incident_details,
)
from portal.kernel.actors import Actor


class InvalidResponseError(Exception):
    """What the statuspage client raises on a body it cannot read."""


class StatuspageClient:
    """`new Statuspage(pageUrl).api` of the npm `statuspage.io` client, in Python."""

    def __init__(self, page_url: str) -> None:
        self.api_url = page_url  # `options.pageUrl` is used as the API URL as given
        self.calls: list[str] = []

    def _get(self, endpoint: str) -> Any:
        url = f"{self.api_url}{endpoint}"  # RequestService: `${apiUrl}${url}`
        self.calls.append(endpoint)
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - test server
            content_type = response.headers.get("content-type")
            body = response.read()
        if not content_type:
            raise InvalidResponseError(
                "The server responded with invalid data: No Content-Type set."
            )
        if "application/json" not in content_type:
            raise InvalidResponseError("The server responded with invalid data: No JSON sent.")
        return json.loads(body)

    # Statuspage.ts
    def get_components(self) -> Any:
        return self._get("/api/v2/components.json")

    def get_status(self) -> Any:
        return self._get("/api/v2/status.json")

    def get_summary(self) -> Any:
        return self._get("/api/v2/summary.json")

    # api/IncidentsAPI.ts
    def incidents_get_all(self) -> Any:
        return self._get("/api/v2/incidents.json")

    def incidents_get_unresolved(self) -> Any:
        return self._get("/api/v2/incidents/unresolved.json")

    # api/ScheduledMaintenancesAPI.ts (every method asks for upcoming.json there)
    def scheduled_maintenances_get_active(self) -> Any:
        return self._get("/api/v2/scheduled-maintenances/upcoming.json")

    def scheduled_maintenances_get_all(self) -> Any:
        return self._get("/api/v2/scheduled-maintenances/upcoming.json")

    def scheduled_maintenances_get_upcoming(self) -> Any:
        return self._get("/api/v2/scheduled-maintenances/upcoming.json")


# --- Typed checks of every documented field ---------------------------------------

STR, INT, BOOL, NONE = str, int, bool, type(None)
TIME = "datetime"
COMPONENT_STATUS = {"operational", "degraded_performance", "partial_outage", "major_outage"}
INCIDENT_STATUS = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
IMPACT = {"none", "minor", "major", "critical"}

PAGE = {"id": STR, "name": STR, "url": STR, "time_zone": STR, "updated_at": TIME}
COMPONENT = {
    "id": STR,
    "name": STR,
    "status": COMPONENT_STATUS,
    "created_at": TIME,
    "updated_at": TIME,
    "position": INT,
    "description": (STR, NONE),
    "showcase": BOOL,
    "start_date": (STR, NONE),
    "group_id": (STR, NONE),
    "page_id": STR,
    "group": BOOL,
    "only_show_if_degraded": BOOL,
}
UPDATE = {
    "id": STR,
    "status": INCIDENT_STATUS,
    "body": STR,
    "incident_id": STR,
    "created_at": TIME,
    "updated_at": TIME,
    "display_at": TIME,
    "affected_components": (list, NONE),
    "deliver_notifications": BOOL,
}
INCIDENT = {
    "id": STR,
    "name": STR,
    "status": INCIDENT_STATUS,
    "created_at": TIME,
    "updated_at": TIME,
    "monitoring_at": (TIME, NONE),
    "resolved_at": (TIME, NONE),
    "impact": IMPACT,
    "shortlink": STR,
    "started_at": TIME,
    "page_id": STR,
    "incident_updates": [UPDATE],
    "components": [COMPONENT],
}
STATUS = {"indicator": IMPACT, "description": STR}


def check(value: Any, spec: Any, where: str = "$") -> None:
    """Fail with the path of the first value that does not have the documented type."""
    if isinstance(spec, dict):
        assert isinstance(value, dict), f"{where}: object expected, got {value!r}"
        missing = set(spec) - set(value)
        assert not missing, f"{where}: missing {sorted(missing)}"
        for key, sub in spec.items():
            check(value[key], sub, f"{where}.{key}")
    elif isinstance(spec, list):
        assert isinstance(value, list), f"{where}: array expected"
        for n, item in enumerate(value):
            check(item, spec[0], f"{where}[{n}]")
    elif isinstance(spec, set):
        assert value in spec, f"{where}: {value!r} not one of {sorted(spec)}"
    elif isinstance(spec, tuple):
        errors = []
        for option in spec:
            try:
                check(value, option, where)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError("; ".join(errors))
    elif spec == TIME:
        assert isinstance(value, str), f"{where}: ISO 8601 string expected, got {value!r}"
        assert datetime.datetime.fromisoformat(value).tzinfo is not None, where
    elif spec is INT:
        assert isinstance(value, int), f"{where}: integer"
        assert not isinstance(value, bool), f"{where}: integer, not boolean"
    else:
        assert isinstance(value, spec), f"{where}: {spec.__name__} expected, got {value!r}"


@pytest.fixture
def outage(
    declare: Callable[..., Incident], send: Any, components: Any, system: Actor
) -> dict[str, Incident]:
    open_incident = declare(
        "SEV-2", title="Internal: pg replica lag", services=[components["api"], components["web"]]
    )
    update_incident_details(
        incident=open_incident, actor=system, changes={"public_title": "Slow checkout"}
    )
    send(open_incident, "status_page", body="We're investigating slow checkouts.")
    mitigate_incident(incident=open_incident, actor=system)
    post_status_update(
        incident=open_incident,
        actor=system,
        status="monitoring",
        message="A fix is out; watching.",
        public=True,
    )
    past = declare("SEV-3", title="Search slow", services=[components["web"]])
    send(past, "status_page", body="Search is slow.")
    resolve_incident(incident=past, actor=system, reason="fixed")
    return {"open": open_incident, "past": past}


@pytest.mark.django_db(transaction=True)
def test_statuspage_io_client_reads_the_status_api_unchanged(
    live_server: Any, outage: dict[str, Incident], settings: Any
) -> None:
    settings.PORTAL_BASE_URL = live_server.url
    client = StatuspageClient(f"{live_server.url}/status")
    # Every call the npm client makes answers JSON of the documented types
    summary = client.get_summary()
    check(summary, {"page": PAGE, "status": STATUS, "components": [COMPONENT]})
    check(summary["incidents"], [INCIDENT])
    check(summary["scheduled_maintenances"], [INCIDENT])
    check(client.get_status(), {"page": PAGE, "status": STATUS})
    check(client.get_components(), {"page": PAGE, "components": [COMPONENT]})
    check(client.incidents_get_all(), {"page": PAGE, "incidents": [INCIDENT]})
    check(client.incidents_get_unresolved(), {"page": PAGE, "incidents": [INCIDENT]})
    for call in (
        client.scheduled_maintenances_get_active,
        client.scheduled_maintenances_get_all,
        client.scheduled_maintenances_get_upcoming,
    ):
        check(call(), {"page": PAGE, "scheduled_maintenances": []})
    # The content is the portal's, in Statuspage's meaning
    (incident,) = client.incidents_get_unresolved()["incidents"]
    assert incident["id"] == outage["open"].ref
    assert incident["name"] == "Slow checkout"
    assert incident["status"] == "monitoring"
    assert incident["monitoring_at"] is not None
    assert incident["impact"] == "major"
    assert [c["name"] for c in incident["components"]] == ["API", "Web app"]
    assert [u["status"] for u in incident["incident_updates"]] == ["monitoring", "investigating"]
    assert all(u["incident_id"] == incident["id"] for u in incident["incident_updates"])
    everything = client.incidents_get_all()["incidents"]
    assert sorted(i["status"] for i in everything) == ["monitoring", "resolved"]
    resolved = next(i for i in everything if i["status"] == "resolved")
    assert resolved["resolved_at"] is not None
    assert resolved["monitoring_at"] is None  # resolved straight from investigating
    statuses = {c["id"]: c["status"] for c in client.get_components()["components"]}
    assert statuses == {"api": "partial_outage", "web-app": "partial_outage"}
    assert client.get_status()["status"]["indicator"] == "major"


def test_the_other_v2_paths_answer_in_their_documented_shapes(
    client: Any, outage: dict[str, Incident]
) -> None:
    for name in ("scheduled-maintenances.json", "scheduled-maintenances/active.json"):
        response = client.get(f"/status/api/v2/{name}")
        assert response["Content-Type"] == "application/json"
        check(response.json(), {"page": PAGE, "scheduled_maintenances": []})
    assert client.get("/status/api/v2/nope.json").status_code == 404


def test_legacy_summary_has_component_objects_and_the_banner(
    client: Any, outage: dict[str, Incident]
) -> None:
    body = client.get("/status/summary.json").json()
    check(body, {"page": PAGE, "status": STATUS, "components": [COMPONENT]})
    check(body["incidents"], [INCIDENT])
    # Consumer code of Statuspage's shape: c["name"] on an incident's components
    names = [c["name"] for i in body["incidents"] for c in i["components"]]
    assert names == ["API", "Web app"]
    assert "banner" in body
