"""The incident admin page links to the compose view and lists the comms sent."""

from __future__ import annotations

from django.urls import reverse


def test_incident_page_has_compose_button_and_sent_comms(client, founder, declare, send):
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
