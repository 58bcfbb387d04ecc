"""Issue 22, "one place per alert source": the registry every door reads, walked source by
source, and Grafana Alerting and Datadog added as one module each with their documented
payloads (Grafana's webhook contact point example; Datadog's Webhooks integration variables)."""

from __future__ import annotations

import dataclasses
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from incidents.integrations import checks, sources
from incidents.integrations.models import Alert, Integration
from incidents.integrations.selectors import endpoint_path
from incidents.models import Incident
from portal.project import access_log
from tests.integrations.conftest import rows, sample

KEY = "0123456789abcdef0123456789abcdef"


def test_every_source_module_is_registered_with_what_the_doors_derive() -> None:
    package = Path(sources.__file__).parent
    modules = sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
    assert sorted(sources.kinds()) == modules
    assert {"grafana", "datadog"} <= set(sources.kinds())
    # The model's choices, the CLI's --kind and the config schema read the same list.
    assert [
        value for value, _ in Integration._meta.get_field("kind").choices or ()
    ] == sources.kinds()
    from portal.project.configuration.schema import CONFIG_SCHEMA

    schema_kinds = CONFIG_SCHEMA["properties"]["integrations"]["items"]["properties"]["kind"]
    assert schema_kinds["enum"] == sources.kinds()
    for source in sources.all_sources():
        if source.parse is not None:
            assert (
                reverse(f"integrations:{source.kind}", args=[KEY])
                == f"/integrations/{source.kind}/{KEY}/"
            )
            assert reverse(f"integrations:{source.kind}-header") == f"/integrations/{source.kind}/"
        for route in source.routes:
            assert reverse(
                f"integrations:{route.name}", kwargs={"key": KEY} if "<" in route.route else None
            )


def test_every_keyed_source_is_redacted_from_the_access_log() -> None:
    keyed = [s for s in sources.all_sources() if s.key_travels == sources.KeyTravel.URL_OR_HEADER]
    assert {"alertmanager", "grafana", "datadog", "sentry", "uptime", "heartbeat"} <= {
        s.kind for s in keyed
    }
    for source in keyed:
        line = f"GET {source.keyed_url_prefix}{KEY}/?x=1 HTTP/1.1"
        assert KEY not in access_log.redact_path(line), source.kind
        assert f"{source.keyed_url_prefix}[redacted]/" in access_log.redact_path(line)


def test_a_new_source_module_is_redacted_without_touching_the_access_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the issue saw: `/integrations/datadog/<key>/` leaked when a source was added
    without editing the access log. A source that only exists in the registry is redacted."""
    scratch = dataclasses.replace(sources.source_for("alertmanager"), kind="scratchsource")  # type: ignore[type-var]
    registry = {**sources.registry(), "scratchsource": scratch}
    monkeypatch.setattr(sources, "registry", lambda: registry)
    access_log.secret_in_path.cache_clear()
    try:
        assert KEY not in access_log.redact_path(f"/integrations/scratchsource/{KEY}/")
    finally:
        access_log.secret_in_path.cache_clear()


@pytest.mark.django_db
def test_endpoint_path_and_config_apply_name_every_kind(
    make_integration: Any, tmp_path: Path
) -> None:
    lines = ["version: 1", "integrations:"]
    for kind in sources.kinds():
        lines += [f"  - name: Sender {kind}", f"    kind: {kind}"]
        if kind == "heartbeat":
            lines.append("    heartbeat_period_seconds: 300")
    document = tmp_path / "senders.yaml"
    document.write_text("\n".join(lines) + "\n")
    out = StringIO()
    call_command("config", "apply", str(document), stdout=out)
    printed = out.getvalue()
    for integration in Integration.objects.all():
        source = sources.source_for(integration.kind)
        assert source is not None
        expected = f"{settings.PORTAL_BASE_URL}{source.endpoint_text(integration.key)}"
        assert f"re-point senders of {integration.name!r} to {expected}" in printed
        if source.key_travels == sources.KeyTravel.URL_OR_HEADER:
            assert (
                endpoint_path(integration) == f"/integrations/{integration.kind}/{integration.key}/"
            )
    assert "/integrations/grafana/" in printed
    assert "/integrations/datadog/" in printed


# --- Grafana Alerting -------------------------------------------------------------------


@pytest.mark.django_db
def test_grafana_contact_point_firing_then_resolved(make_integration: Any, post: Any) -> None:
    # A routing rule on the group's labels (Grafana's grouping travels with each alert).
    grafana = make_integration(
        "grafana",
        name="Grafana",
        rules=[{"path": "labels.zone", "operator": "==", "value": "eu-1", "severity": "SEV-3"}],
    )
    response = post(f"/integrations/grafana/{grafana.key}/", sample("grafana_webhook_firing.json"))
    assert response.status_code == 200, response.content
    assert [r["outcome"] for r in response.json()["results"]] == ["opening", "opening"]
    assert set(Alert.objects.values_list("dedup_key", flat=True)) == {
        "c6eadffa33fcdf37",
        "bc97ff14869b13e3",
    }
    memory = Incident.objects.get(title="This alert was triggered for zone us-1")
    assert memory.severity.code == "SEV-1"  # labels.severity critical
    assert memory.detection_source == "monitoring_alert"
    cpu = Incident.objects.get(title="This alert was triggered for zone eu-1")
    assert cpu.severity.code == "SEV-3"
    # The key may travel in a header (the contact point's Authorization setting) instead.
    response = post(
        "/integrations/grafana/",
        sample("grafana_webhook_resolved.json"),
        HTTP_AUTHORIZATION=f"Bearer {grafana.key}",
    )
    assert response.status_code == 200
    assert set(Alert.objects.values_list("status", flat=True)) == {"resolved"}


@pytest.mark.django_db
def test_grafana_refuses_alertmanager_version_and_the_reverse(
    make_integration: Any, post: Any
) -> None:
    grafana = make_integration("grafana", name="Grafana")
    am = make_integration("alertmanager", name="Prometheus")
    before = rows()
    wrong = post(f"/integrations/grafana/{grafana.key}/", sample("alertmanager_v4_firing.json"))
    assert wrong.status_code == 400
    assert (
        'version: only Grafana Alerting webhook version "1" is supported' in wrong.json()["errors"]
    )
    other = post(f"/integrations/alertmanager/{am.key}/", sample("grafana_webhook_firing.json"))
    assert other.status_code == 400
    # A Grafana key is not an Alertmanager key.
    assert post(f"/integrations/alertmanager/{grafana.key}/", {}).status_code == 404
    assert rows() == before


# --- Datadog ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_datadog_triggered_then_recovered(make_integration: Any, post: Any) -> None:
    datadog = make_integration("datadog", name="Datadog")
    url = f"/integrations/datadog/{datadog.key}/"
    response = post(url, sample("datadog_webhook_triggered.json"))
    assert response.status_code == 200, response.content
    assert response.json()["results"] == [
        {"dedup_key": "datadog-9bd4ac313a4d1e8fae2482df7b77628", "outcome": "opening"}
    ]
    incident = Incident.objects.get()
    assert incident.title == "[Triggered] [Memory Alert]"
    assert incident.severity.code == "SEV-1"  # priority P1
    # A re-notification counts on the same alert; recovery resolves it.
    post(url, {**sample("datadog_webhook_triggered.json"), "alert_transition": "Renotify"})
    assert Alert.objects.get().count == 2
    post(url, sample("datadog_webhook_recovered.json"))
    assert Alert.objects.get().status == "resolved"


@pytest.mark.django_db
def test_datadog_refusals_name_the_field(make_integration: Any, post: Any) -> None:
    datadog = make_integration("datadog", name="Datadog")
    url = f"/integrations/datadog/{datadog.key}/"
    before = rows()
    default = post(url, sample("datadog_default_payload.json"))
    assert default.status_code == 400
    assert default.json()["errors"][0].startswith("aggreg_key is missing")
    odd = post(url, {**sample("datadog_webhook_triggered.json"), "alert_transition": "Exploded"})
    assert odd.status_code == 400
    assert "alert_transition 'exploded' is not one Datadog documents" in odd.json()["errors"]
    assert rows() == before
    # Datadog's `Null` transition carries nothing to apply.
    null = post(url, {**sample("datadog_webhook_triggered.json"), "alert_transition": "Null"})
    assert null.status_code == 200
    assert null.json()["alerts"] == 0


# --- The system check -------------------------------------------------------------------


@pytest.mark.django_db
def test_system_check_refuses_a_kind_without_a_source(make_integration: Any) -> None:
    integration = make_integration("alertmanager", name="Prometheus")
    assert checks.check_integration_kinds(databases=["default"]) == []
    Integration.objects.filter(pk=integration.pk).update(kind="nagios")
    errors = checks.check_integration_kinds(databases=["default"])
    assert [e.id for e in errors] == ["integrations.E001"]
    assert "'nagios'" in errors[0].msg


def test_system_check_refuses_a_malformed_source_module(monkeypatch: pytest.MonkeyPatch) -> None:
    assert checks.check_source_modules() == []
    bad = dataclasses.replace(sources.source_for("grafana"), kind="Has Space", parse=None)  # type: ignore[type-var]
    monkeypatch.setattr(checks, "all_sources", lambda: [*sources.all_sources(), bad])
    assert sorted(str(e.id) for e in checks.check_source_modules()) == [
        "integrations.E002",
        "integrations.E003",
    ]
