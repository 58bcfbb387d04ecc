"""Compose from the incident page: pick → preview → edit → send, once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from incidents.comms.models import CommsMessage, CommsTemplate
from incidents.models import Incident, PolicyVersion


@pytest.fixture
def admin_client(client: Client, founder: User) -> Client:
    client.force_login(founder)
    return client


def test_compose_button_is_registered_for_the_incident_page() -> None:
    from incidents.extension_point import IncidentButton, incident_buttons

    assert IncidentButton("Compose comms", "admin:comms_compose", False) in incident_buttons()


def test_pick_template_preview_and_send_once(
    admin_client: Client, declare: Callable[..., Incident]
) -> None:
    incident = declare(
        "SEV-1",
        title="payments failing",
        what_is_broken="payments failing",
        customer_impact="failed payments",
    )
    url = reverse("admin:comms_compose", args=[incident.pk])
    template = CommsTemplate.objects.get(
        policy_version=incident.policy_version, kind="status_page_investigating"
    )
    # When the founder picks the playbook's status-page template
    page = admin_client.get(url, {"template": template.pk}).content.decode()
    # Then the preview shows it filled from the incident
    assert "We&#x27;re investigating reports of payments failing." in page
    found = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', page)
    assert found is not None, page
    key = found.group(1)
    # When they edit and press Send twice (double click)
    data = {
        "template": template.pk,
        "channel": "status_page",
        "subject": "",
        "body": "[INVESTIGATING] Payments fail for {affected_feature}.",
        "idempotency_key": key,
        "send": "1",
    }
    first = admin_client.post(url, data, follow=True)
    second = admin_client.post(url, data, follow=True)
    # Then one message went out, and the second click says so
    assert CommsMessage.objects.count() == 1
    assert CommsMessage.objects.get().body == "[INVESTIGATING] Payments fail for payments failing."
    assert "Sent: Status page." in first.content.decode()
    assert "Already sent" in second.content.decode()


def test_preview_button_fills_the_edited_text(
    admin_client: Client, declare: Callable[..., Incident]
) -> None:
    incident = declare("SEV-1", title="login broken", what_is_broken="login broken")
    url = reverse("admin:comms_compose", args=[incident.pk])
    page = admin_client.post(
        url,
        {
            "channel": "banner",
            "body": "Trouble with {what_is_broken}",
            "idempotency_key": "2b1e0f4c-6a55-4f7e-9a8b-7f0b7c1d2e3f",
            "preview": "1",
        },
    )
    assert "Trouble with login broken" in page.content.decode()
    assert not CommsMessage.objects.exists()


def test_send_errors_show_on_the_form(
    admin_client: Client, declare: Callable[..., Incident]
) -> None:
    incident = declare("SEV-1")
    url = reverse("admin:comms_compose", args=[incident.pk])
    page = admin_client.post(
        url,
        {
            "channel": "email",
            "body": "x",
            "recipients": "nope",
            "idempotency_key": "2b1e0f4c-6a55-4f7e-9a8b-7f0b7c1d2e3f",
            "send": "1",
        },
    )
    assert page.status_code == 200
    assert "is not an email address" in page.content.decode()
    assert not CommsMessage.objects.exists()


def test_staff_without_permission_cannot_compose(
    client: Client, responder: User, declare: Callable[..., Incident]
) -> None:
    client.force_login(responder)
    incident = declare("SEV-1")
    assert client.get(reverse("admin:comms_compose", args=[incident.pk])).status_code == 403


def test_template_admin_rejects_unknown_placeholder(
    admin_client: Client, policy: PolicyVersion
) -> None:
    response = admin_client.post(
        reverse("admin:comms_commstemplate_add"),
        {
            "key": "x",
            "name": "X",
            "kind": "banner",
            "audience": "customer",
            "body": "Down: {whatever}",
        },
    )
    assert response.status_code == 200
    assert "Unknown placeholder(s): {whatever}" in response.content.decode()


@pytest.mark.parametrize("n", [2, 20])
def test_changelists_use_constant_queries(
    admin_client: Client,
    declare: Callable[..., Incident],
    send: Any,
    django_assert_num_queries: DjangoAssertNumQueries,
    n: int,
) -> None:
    for i in range(n):
        send(declare("SEV-3", title=f"i{i}"), "banner", body=f"b{i}")
    # (one of them reads the page's outbox rows: each message's delivery, issue 25)
    with django_assert_num_queries(7):
        assert admin_client.get(reverse("admin:comms_commsmessage_changelist")).status_code == 200
    with django_assert_num_queries(5):
        assert admin_client.get(reverse("admin:comms_commstemplate_changelist")).status_code == 200


def test_the_template_picker_keeps_the_template_after_preview(
    client: Client, founder: Any, declare: Callable[..., Incident]
) -> None:
    """Issue 25: after Preview the picker read "— none —" beside the template's text."""
    import uuid

    from incidents.comms.models import CommsTemplate

    client.force_login(founder)
    incident = declare("SEV-1", what_is_broken="card payments", customer_impact="failures")
    template = CommsTemplate.objects.get(key="status-page-investigating", severity_codes="SEV-1")
    url = f"/admin/comms/commsmessage/compose/{incident.pk}/"
    page = client.post(
        url,
        {
            "template": template.pk,
            "channel": "status_page",
            "body": template.body,
            "idempotency_key": str(uuid.uuid4()),
            "preview": "Preview",
        },
    ).content.decode()
    assert f'<option value="{template.pk}" selected>' in page
