"""The incident admin page links to the compose view and lists the comms sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from incidents.models import Incident


def test_incident_page_has_compose_button_and_sent_comms(
    client: Client, founder: User, declare: Callable[..., Incident], send: Any
) -> None:
    # Given an incident with a banner set
    client.force_login(founder)
    incident = declare("SEV-1")
    send(incident, "banner", body="Banner text here")
    # When the founder opens the incident in the admin
    html = client.get(
        reverse("admin:incidents_incident_change", args=[incident.pk])
    ).content.decode()
    # Then the compose button and the sent message show
    assert reverse("admin:comms_compose", args=[incident.pk]) in html
    assert "Banner text here" in html
