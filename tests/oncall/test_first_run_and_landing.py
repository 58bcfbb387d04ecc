"""Issue 23: the first run pages its founder; the acknowledged responder lands somewhere.

"First run: nobody can be paged, and the portal looks as if it paged" and "The
acknowledged responder lands nowhere" (What was seen)."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from incidents.oncall.models import ContactMethod, Page, RotationMember
from incidents.services import declare_incident, resolve_incident
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_make_setup_creates_the_admin_before_loading_the_policy() -> None:
    recipe = re.search(r"^setup:.*?\n((?:\t.*\n|\s*#.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert recipe is not None
    lines = [line.strip() for line in recipe.group(1).splitlines() if line.startswith("\t")]
    demo = next(i for i, line in enumerate(lines) if "manage.py demo" in line)
    load = next(i for i, line in enumerate(lines) if "manage.py loadpolicy" in line)
    assert demo < load


def test_first_run_puts_the_admin_on_call_reachable(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch, committed: Any
) -> None:
    from portal.project import demo

    monkeypatch.setattr(demo, "PASSWORD_FILE", tmp_path / "admin-password.txt")
    # As `make setup` runs them.
    call_command("demo", "--login-only", stdout=StringIO())
    call_command("loadpolicy", "founder-24x7", stdout=StringIO())
    admin = User.objects.get(username="admin")
    assert set(RotationMember.objects.values_list("user__username", flat=True)) == {"admin"}
    [method] = ContactMethod.objects.filter(user=admin)
    assert method.usable
    with committed():
        incident = declare_incident(actor=Actor.system("test"), title="First", severity="SEV-1")
    [page] = Page.objects.filter(incident=incident)
    assert page.user == admin
    assert OutboxMessage.objects.filter(recipient=method.address, kind="page").count() == 1
    paged = incident.timeline.get(kind="paged", data__has_key="pages")
    assert "admin (" in paged.message
    assert "#alerts is DISABLED: the page was not posted there." in paged.message


def test_board_says_no_phone_would_ring_and_pages_me_now(
    admin_client: Client, django_user_model: type[User]
) -> None:
    admin = django_user_model.objects.get(username="admin")
    ContactMethod.objects.create(
        user=admin, kind="email", address="admin@example.com", verified_at="2026-01-01T00:00Z"
    )
    home = admin_client.get(reverse("admin:index"))
    assert b"no phone would ring: add a verified SMS or voice method." in home.content
    assert reverse("oncall:page-me").encode() in home.content
    response = admin_client.post(reverse("oncall:page-me"), follow=True)
    assert b"Test page sent: Email a\xe2\x80\xa6@example.com." in response.content
    [test] = OutboxMessage.objects.filter(kind="test_page")
    assert (test.provider_kind, test.recipient) == ("email", "admin@example.com")
    ContactMethod.objects.create(
        user=admin, kind="sms", address="+15551230001", verified_at="2026-01-01T00:00Z"
    )
    assert b"board-phone" not in admin_client.get(reverse("admin:index")).content


@pytest.fixture
def paged_responder(
    load_policy: Any, founder: User, django_user_model: type[User], committed: Any
) -> Any:
    from portal.access.responders import add_responder

    load_policy("founder-24x7")
    new = add_responder(actor=Actor.for_user(founder), username="ravi", email="ravi@example.com")
    RotationMember.objects.update(user=new.user)
    with committed():
        incident = declare_incident(actor=Actor.system("test"), title="Down", severity="SEV-1")
    page = Page.objects.get(user=new.user)
    return incident, page, new


def test_the_acknowledged_page_links_to_the_incident_and_says_how_to_sign_in(
    client: Client, paged_responder: Any
) -> None:
    from incidents.oncall.page_words import ack_url

    incident, page, _ = paged_responder
    url = ack_url(page).split("://", 1)[1].split("/", 1)[1]
    done = client.post("/" + url)
    assert done.status_code == 200
    incident_url = reverse("admin:incidents_incident_change", args=[incident.pk])
    assert f'href="{incident_url}"'.encode() in done.content
    assert b"You have no password yet: open the invitation" in done.content


def test_a_page_of_a_resolved_incident_offers_no_acknowledge_button(
    client: Client, paged_responder: Any, founder: User
) -> None:
    """What was seen: opening a stale page showed "I am on it — acknowledge", then 410."""
    from incidents.oncall.page_words import ack_url

    incident, page, _ = paged_responder
    resolve_incident(
        incident=incident, actor=Actor.for_user(founder), message="fixed", unmet_comms_reason="test"
    )
    url = "/" + ack_url(page).split("://", 1)[1].split("/", 1)[1]
    shown = client.get(url)
    assert b"I am on it" not in shown.content
    assert f"{incident.ref} is resolved".encode() in shown.content


def test_the_invitation_is_the_portals_page_and_lands_on_the_incident(
    client: Client, paged_responder: Any
) -> None:
    incident, _, new = paged_responder
    path = new.invitation_url.split("://", 1)[1].split("/", 1)[1]
    first = client.get("/" + path, follow=True)
    assert b"Welcome to" in first.content
    assert b"Set my password and open the portal" in first.content
    landed = client.post(
        first.redirect_chain[-1][0] if first.redirect_chain else "/" + path,
        {"new_password1": "a-Long-pass-phrase-42", "new_password2": "a-Long-pass-phrase-42"},
    )
    assert landed.status_code == 302
    assert landed["Location"] == reverse("admin:incidents_incident_change", args=[incident.pk])
    assert client.get(landed["Location"]).status_code == 200
