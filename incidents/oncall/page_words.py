"""What a page says and its one-click acknowledge link: read by the escalation run
(`paging.py`), the personal notifications (`personal.py`) and the services, so that
none of them imports another for it."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from incidents.models import Incident
from incidents.oncall.models import Page

ACK_SALT = "oncall.ack"


def ack_token(page: Page) -> str:
    return signing.dumps({"page": page.pk}, salt=ACK_SALT)


def ack_url(page: Page) -> str:
    return settings.PORTAL_BASE_URL + reverse("oncall:ack", args=[ack_token(page)])


def incident_url(incident: Incident) -> str:
    return settings.PORTAL_BASE_URL + reverse("admin:incidents_incident_change", args=[incident.pk])


def page_text(incident: Incident, page: Page, round_no: int, mention: str) -> tuple[str, str]:
    drill = "[DRILL] " if incident.is_drill else ""
    subject = f"{drill}PAGE {incident.severity.code} {incident.ref}: {incident.title}"
    again = f" (repeat {round_no})" if round_no else ""
    body = (
        f"{mention + ' ' if mention else ''}"
        f"{page.user.get_username()}, you are paged{again} for {incident.ref} "
        f"({incident.severity.code}, {incident.get_status_display()}): {incident.title}\n"
        f"Why you: {page.target} (escalation step {page.step_order}).\n"
        f"Acknowledge (one click, no login): {ack_url(page)}\n"
        f"Incident: {incident_url(incident)}"
    )
    return subject, body
