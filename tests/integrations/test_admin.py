"""The integration admin writes through the integrations services (issue 12, item 4).

Seen: the admin accepted a Sentry integration with no client secret (every Sentry
webhook then got 401) and a default severity `NOPE-9`. The admin now refuses what
`create_integration` refuses, names the field, and writes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from incidents.integrations.models import Integration
from portal.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:integrations_integration_add")


def _form(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Sentry web",
        "kind": "sentry",
        "enabled": "on",
        "new_client_secret": "",
        "default_severity": "",
        "routing_rules-TOTAL_FORMS": "0",
        "routing_rules-INITIAL_FORMS": "0",
        **fields,
    }


def _errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200
    return response.context["adminform"].form.errors


@pytest.fixture
def founder_client(client: Any, founder: Any, policy: Any) -> Any:
    client.force_login(founder)
    return client


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"new_client_secret": ""}, "new_client_secret", "client secret"),
        (
            {"new_client_secret": "s3cret", "default_severity": "NOPE-9"},
            "default_severity",
            "Unknown severity 'NOPE-9'",
        ),
    ],
)
def test_admin_refuses_sentry_without_secret_and_unknown_severity_naming_the_field(
    founder_client: Any, fields: dict[str, str], field: str, words: str
) -> None:
    audit_before = AuditEntry.objects.count()
    response = founder_client.post(ADD_URL, _form(**fields))
    errors = _errors(response)
    assert list(errors) == [field]
    assert words in errors[field][0]
    assert not Integration.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_admin_add_writes_through_the_service_as_the_admin_user(
    founder_client: Any, founder: Any
) -> None:
    response = founder_client.post(
        ADD_URL, _form(new_client_secret="s3cret", default_severity="sev2")
    )
    assert response.status_code == 200  # the key, shown once
    integration = Integration.objects.get()
    assert (integration.client_secret, integration.default_severity) == ("s3cret", "SEV-2")
    assert integration.key in response.content.decode()
    [entry] = AuditEntry.objects.filter(
        object_type="integrations.integration", object_id=str(integration.pk)
    )
    assert (entry.action, entry.actor_user_id) == ("create", founder.pk)
    assert "s3cret" not in str(entry.after)


def test_admin_change_refuses_unknown_severity_and_keeps_the_row(
    founder_client: Any, make_integration: Any
) -> None:
    pd = make_integration("pagerduty", name="Grafana", default_severity="SEV-3")
    url = reverse("admin:integrations_integration_change", args=[pd.pk])
    response = founder_client.post(
        url, _form(name="Grafana renamed", kind="pagerduty", default_severity="NOPE-9")
    )
    assert "Unknown severity" in _errors(response)["default_severity"][0]
    pd.refresh_from_db()
    assert (pd.name, pd.default_severity) == ("Grafana", "SEV-3")


def test_admin_change_to_sentry_needs_a_secret(founder_client: Any, make_integration: Any) -> None:
    pd = make_integration("pagerduty", name="Grafana")
    url = reverse("admin:integrations_integration_change", args=[pd.pk])
    response = founder_client.post(url, _form(name="Grafana", kind="sentry"))
    assert "new_client_secret" in _errors(response)
    pd.refresh_from_db()
    assert pd.kind == "pagerduty"


def test_admin_change_is_audited_with_the_admin_user_and_the_moved_fields(
    founder_client: Any, founder: Any, make_integration: Any
) -> None:
    pd = make_integration("pagerduty", name="Grafana")
    url = reverse("admin:integrations_integration_change", args=[pd.pk])
    response = founder_client.post(
        url, _form(name="Grafana", kind="pagerduty", default_severity="SEV-1")
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(
        object_type="integrations.integration", object_id=str(pd.pk), action="update"
    ).get()
    assert entry.actor_user_id == founder.pk
    assert (entry.before, entry.after) == (
        {"default_severity": ""},
        {"default_severity": "SEV-1"},
    )
