"""Issue 14, "Read-only roles see write credentials" and "Keys in logs" (headers).

Keys and client secrets are shown once (creation, rotation), masked afterwards for
everyone, never to Auditors or Responders; founders rotate them (old key refused,
or accepted for a grace period); senders may send the key in a header instead of
the URL.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from incidents.integrations.keys import rotate_integration_key
from incidents.integrations.models import Integration
from portal.audit.models import AuditEntry
from tests.integrations.conftest import rows, sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(django_user_model: Any) -> Any:
    def _member(role: str) -> Any:
        user = django_user_model.objects.create_user(role.lower(), "", "pw-x-123456", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return user

    return _member


@pytest.mark.parametrize("role", ["Auditors", "Responders"])
def test_read_only_roles_never_see_integration_key_or_client_secret(
    client: Any, member: Any, make_integration: Any, role: str
) -> None:
    sentry = make_integration("sentry", client_secret="sentry-client-secret-value")
    client.force_login(member(role))
    for url in (
        reverse("admin:integrations_integration_change", args=[sentry.pk]),
        reverse("admin:integrations_integration_changelist"),
        reverse("admin:integrations_integration_history", args=[sentry.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert sentry.key not in html, url
        assert "sentry-client-secret-value" not in html, url
    assert (
        client.get(
            reverse("admin:integrations_integration_rotate_key", args=[sentry.pk])
        ).status_code
        == 403
    )


def test_founder_sees_key_once_at_creation_then_masked(
    client: Any, founder: Any, policy: Any
) -> None:
    client.force_login(founder)
    response = client.post(
        reverse("admin:integrations_integration_add"),
        {
            "name": "Prometheus",
            "kind": "alertmanager",
            "enabled": "on",
            "new_client_secret": "",
            "default_severity": "",
            "routing_rules-TOTAL_FORMS": "0",
            "routing_rules-INITIAL_FORMS": "0",
        },
    )
    integration = Integration.objects.get(name="Prometheus")
    assert response.status_code == 200
    assert integration.key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    page = client.get(reverse("admin:integrations_integration_change", args=[integration.pk]))
    assert integration.key not in page.content.decode()
    assert integration.key_hint in page.content.decode()


def test_founder_sets_sentry_client_secret_write_only(
    client: Any, founder: Any, make_integration: Any
) -> None:
    sentry = make_integration("sentry", client_secret="old-secret-value")
    client.force_login(founder)
    url = reverse("admin:integrations_integration_change", args=[sentry.pk])
    assert "old-secret-value" not in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "name": sentry.name,
            "kind": "sentry",
            "enabled": "on",
            "new_client_secret": "new-secret-value",
            "default_severity": "",
            "routing_rules-TOTAL_FORMS": "0",
            "routing_rules-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    sentry.refresh_from_db()
    assert sentry.client_secret == "new-secret-value"
    assert "new-secret-value" not in client.get(url).content.decode()
    entry = AuditEntry.objects.get(after__client_secret_changed="(changed)")
    assert "new-secret-value" not in json.dumps([entry.before, entry.after])


def test_founder_rotates_key_old_key_refused(
    client: Any, founder: Any, make_integration: Any, post: Any
) -> None:
    am = make_integration("alertmanager")
    old = am.key
    client.force_login(founder)
    response = client.post(
        reverse("admin:integrations_integration_rotate_key", args=[am.pk]), {"grace_hours": "0"}
    )
    am.refresh_from_db()
    assert response.status_code == 200
    assert am.key != old
    assert am.key in response.content.decode()
    body = sample("alertmanager_v4_firing.json")
    assert post(f"/integrations/alertmanager/{old}/", body).status_code == 404
    assert post(f"/integrations/alertmanager/{am.key}/", body).status_code == 200
    entry = AuditEntry.objects.get(after__key_rotated="(changed)")
    assert entry.actor_label == "founder"
    assert old not in json.dumps([entry.before, entry.after])
    assert am.key not in json.dumps([entry.before, entry.after])


def test_rotation_grace_accepts_old_key_until_it_ends(
    make_integration: Any, post: Any, system: Any
) -> None:
    kuma = make_integration("uptime")
    old = kuma.key
    kuma, new = rotate_integration_key(
        integration=kuma, actor=system, grace=datetime.timedelta(hours=1)
    )
    body = sample("uptime_kuma_down.json")
    assert post(f"/integrations/uptime/{old}/", body).status_code == 200
    assert post(f"/integrations/uptime/{new}/", body).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)):
        assert post(f"/integrations/uptime/{old}/", body).status_code == 404
        assert post(f"/integrations/uptime/{new}/", body).status_code == 200


def test_alertmanager_key_in_authorization_bearer_header(make_integration: Any, post: Any) -> None:
    am = make_integration("alertmanager")
    body = sample("alertmanager_v4_firing.json")
    response = post("/integrations/alertmanager/", body, HTTP_AUTHORIZATION=f"Bearer {am.key}")
    assert response.status_code == 200
    assert response.json()["alerts"] == 2
    before = rows()
    assert post("/integrations/alertmanager/", body).status_code == 404
    assert (
        post("/integrations/alertmanager/", body, HTTP_AUTHORIZATION="Bearer nope").status_code
        == 404
    )
    assert rows() == before


def test_uptime_kuma_key_in_custom_header(make_integration: Any, post: Any) -> None:
    kuma = make_integration("uptime")
    response = post(
        "/integrations/uptime/", sample("uptime_kuma_down.json"), HTTP_X_INTEGRATION_KEY=kuma.key
    )
    assert response.status_code == 200
    assert response.json()["alerts"] == 1


def test_sentry_and_heartbeat_key_in_custom_header(
    make_integration: Any, post: Any, client: Any
) -> None:
    sentry = make_integration("sentry")
    raw = json.dumps(sample("sentry_issue_created.json")).encode()
    signature = hmac.new(sentry.client_secret.encode(), raw, hashlib.sha256).hexdigest()
    response = post(
        "/integrations/sentry/",
        raw,
        HTTP_X_INTEGRATION_KEY=sentry.key,
        HTTP_SENTRY_HOOK_SIGNATURE=signature,
        HTTP_SENTRY_HOOK_RESOURCE="issue",
    )
    assert response.status_code == 200
    beat = make_integration("heartbeat")
    assert (
        client.get("/integrations/heartbeat/", HTTP_X_INTEGRATION_KEY=beat.key).status_code == 200
    )
