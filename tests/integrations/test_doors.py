"""API, admin and CLI of the integrations app: contents, secrets kept out, pinned query counts."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from incidents.integrations.models import Integration
from tests.integrations.conftest import pd_event

pytestmark = pytest.mark.django_db

ENQUEUE = "/integrations/pagerduty/v2/enqueue"
# token lookup, count, page
API_QUERIES = 3
# session, user, then the changelist's own queries (filters' choices included)
ADMIN_QUERIES = {"integration": 5, "alert": 5, "changeevent": 5}


def _storm(post: Any, integration: Any, keys: int) -> None:
    for n in range(keys):
        post(ENQUEUE, pd_event(integration.key, dedup_key=f"key-{n}"))


def test_incident_api_finds_the_incident_of_a_dedup_key(pd: Any, post: Any, api: Any) -> None:
    _storm(post, pd, 2)
    post(ENQUEUE, pd_event(pd.key, dedup_key="key-1"))
    body = api.get("/api/v1/incidents/", {"dedup_key": "key-1"}).json()
    assert body["count"] == 1
    assert body["results"][0]["alert_count"] == 2


def test_integration_list_shows_no_secrets(make_integration: Any, api: Any) -> None:
    sentry = make_integration("sentry")
    body = api.get("/api/v1/integrations/").json()
    assert [i["name"] for i in body["results"]] == ["sentry test"]
    text = str(body)
    assert sentry.key not in text
    assert sentry.client_secret not in text


def test_alert_list_by_incident_ref(pd: Any, post: Any, api: Any) -> None:
    _storm(post, pd, 2)
    from incidents.integrations.models import Alert

    alert = Alert.objects.get(dedup_key="key-0")
    assert alert.incident is not None
    body = api.get("/api/v1/alerts/", {"incident": alert.incident.ref}).json()
    assert [(a["dedup_key"], a["incident"], a["integration"]) for a in body["results"]] == [
        ("key-0", alert.incident.ref, "Grafana")
    ]
    unknown = api.get("/api/v1/alerts/", {"incident": "INC-19990101-01"})
    assert unknown.status_code == 400
    assert "incident" in unknown.json()


def test_api_needs_a_token(client: Any) -> None:
    assert client.get("/api/v1/integrations/").status_code in (401, 403)


@pytest.mark.parametrize("url", ["/api/v1/integrations/", "/api/v1/alerts/"])
def test_api_lists_take_constant_queries(
    make_integration: Any, post: Any, api: Any, django_assert_num_queries: Any, url: str
) -> None:
    pd = make_integration(name="a")
    _storm(post, pd, 2)
    api.get(url)  # warm caches (content types, token)
    with django_assert_num_queries(API_QUERIES):
        assert api.get(url).status_code == 200
    for n in range(3):
        make_integration(name=f"more-{n}")
    _storm(post, pd, 5)
    with django_assert_num_queries(API_QUERIES):
        assert api.get(url).status_code == 200


@pytest.mark.parametrize("model", ["integration", "alert", "changeevent"])
def test_admin_changelists_take_constant_queries(
    make_integration: Any,
    post: Any,
    founder: Any,
    client: Any,
    django_assert_num_queries: Any,
    model: str,
) -> None:
    client.force_login(founder)
    url = f"/admin/integrations/{model}/"
    pd = make_integration(name="a")
    _storm(post, pd, 1)
    post(
        "/integrations/pagerduty/v2/change/enqueue",
        {"routing_key": pd.key, "payload": {"summary": "deploy 1", "source": "ci"}},
    )
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    with django_assert_num_queries(ADMIN_QUERIES[model]):
        client.get(url)
    for n in range(4):
        make_integration(name=f"more-{n}")
        post(
            "/integrations/pagerduty/v2/change/enqueue",
            {"routing_key": pd.key, "payload": {"summary": f"deploy {n}", "source": "ci"}},
        )
    _storm(post, pd, 4)
    with django_assert_num_queries(ADMIN_QUERIES[model]):
        client.get(url)


def test_admin_integration_page_shows_endpoint_with_key_masked(
    make_integration: Any, founder: Any, client: Any
) -> None:
    client.force_login(founder)
    am = make_integration("alertmanager")
    page = client.get(f"/admin/integrations/integration/{am.pk}/change/").content.decode()
    assert "/integrations/alertmanager/&lt;key&gt;/" in page
    assert am.key not in page


def test_incident_admin_page_shows_alerts_and_recent_changes(
    pd: Any, post: Any, founder: Any, client: Any
) -> None:
    client.force_login(founder)
    post(
        "/integrations/pagerduty/v2/change/enqueue",
        {"routing_key": pd.key, "payload": {"summary": "Deploy web 1.2.3", "source": "ci"}},
    )
    post(ENQUEUE, pd_event(pd.key, dedup_key="disk-on-db1"))
    from incidents.models import Incident

    page = client.get(
        f"/admin/incidents/incident/{Incident.objects.get().pk}/change/"
    ).content.decode()
    assert "disk-on-db1" in page
    assert "Deploy web 1.2.3" in page


# --- CLI ------------------------------------------------------------------------------------


def test_cli_create_prints_the_key_last(policy: Any) -> None:
    out = StringIO()
    call_command(
        "integration",
        "create",
        "--kind",
        "heartbeat",
        "--name",
        "nightly-backup",
        "--severity",
        "SEV-3",
        "--period",
        "5m",
        "--grace",
        "1m",
        stdout=out,
    )
    key = out.getvalue().strip().splitlines()[-1]
    integration = Integration.objects.get(key=key)
    assert (integration.kind, integration.default_severity) == ("heartbeat", "SEV-3")
    assert integration.heartbeat_period is not None
    assert integration.heartbeat_period.total_seconds() == 300
    assert f"/integrations/heartbeat/{key}/" in out.getvalue()
    listing = StringIO()
    call_command("integration", "list", stdout=listing)
    assert "nightly-backup\theartbeat\tenabled" in listing.getvalue()
    assert key not in listing.getvalue()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--kind", "sentry", "--name", "s"], "secret:"),
        (["--kind", "pagerduty", "--name", "p", "--severity", "SEV-9"], "severity:"),
        (["--kind", "pagerduty", "--name", "p", "--service", "nope"], "service:"),
        (["--kind", "heartbeat", "--name", "h", "--period", "soon"], "period:"),
        (["--kind", "heartbeat", "--name", "h"], "period:"),
        (["--kind", "pagerduty", "--name", " "], "name:"),
    ],
)
def test_cli_bad_arguments_name_the_field(policy: Any, args: list[str], field: str) -> None:
    with pytest.raises(CommandError) as exc:
        call_command("integration", "create", *args, stdout=StringIO())
    assert str(exc.value).startswith(field)
    assert not Integration.objects.exists()
