"""Issue 23, item 1: a person's contact methods, verified by a code sent to the method
itself and entered back, in every door (services, CLI, API, admin); founders manage
anyone's, others only their own."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.oncall import contacts
from incidents.oncall.models import ContactMethod, NotificationRule
from portal.audit.models import AuditEntry
from portal.audit.roles import AUDITORS, RESPONDERS
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def code_sent_to(address: str) -> str:
    message = OutboxMessage.objects.filter(kind="verification", recipient=address).latest("pk")
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match is not None
    return match.group(1)


def test_a_method_is_used_only_once_its_code_comes_back(ana: User) -> None:
    me = Actor.for_user(ana)
    with time_machine.travel(T0, tick=False):
        method = contacts.add_contact_method(
            actor=me, user=ana, kind="sms", address="+1 555 123 0001"
        )
    assert method.address == "+15551230001"
    assert not method.usable
    message = OutboxMessage.objects.get(kind="verification")
    assert (message.provider_kind, message.recipient) == ("phone_sms", "+15551230001")
    code = code_sent_to("+15551230001")
    with time_machine.travel(T0 + datetime.timedelta(minutes=1), tick=False):
        with pytest.raises(DomainError) as wrong:
            contacts.verify_contact_method(
                actor=me, method=method, code="000000" if code != "000000" else "111111"
            )
        assert (wrong.value.field, wrong.value.message) == ("code", "Wrong code; 4 tries left.")
        method.refresh_from_db()
        assert method.code_attempts == 1  # the wrong try is counted, not rolled back
        contacts.verify_contact_method(actor=me, method=method, code=code)
    method.refresh_from_db()
    assert method.usable
    assert contacts.how_pages_reach(ana) == "SMS …0001 now"
    assert AuditEntry.objects.filter(object_type="oncall.contactmethod").count() >= 2


def test_codes_expire_and_allow_five_tries(ana: User) -> None:
    me = Actor.for_user(ana)
    with time_machine.travel(T0, tick=False):
        method = contacts.add_contact_method(actor=me, user=ana, kind="email", address="a@x.org")
    code = code_sent_to("a@x.org")
    later = time_machine.travel(T0 + datetime.timedelta(minutes=11), tick=False)
    with later, pytest.raises(DomainError, match="expired"):
        contacts.verify_contact_method(actor=me, method=method, code=code)
    with time_machine.travel(T0 + datetime.timedelta(minutes=12), tick=False):
        contacts.resend_code(actor=me, method=method)
        for _ in range(5):
            with pytest.raises(DomainError, match="Wrong code"):
                contacts.verify_contact_method(actor=me, method=method, code="x")
        with pytest.raises(DomainError, match="Too many wrong codes"):
            contacts.verify_contact_method(actor=me, method=method, code=code_sent_to("a@x.org"))


def test_bad_addresses_name_the_field_and_others_cannot_manage_yours(
    ana: User, responder: User, founder: User
) -> None:
    with pytest.raises(DomainError) as bad:
        contacts.add_contact_method(actor=Actor.for_user(ana), user=ana, kind="sms", address="555")
    assert bad.value.field == "address"
    with pytest.raises(DomainError) as other:
        contacts.add_contact_method(
            actor=Actor.for_user(responder), user=ana, kind="sms", address="+15551230001"
        )
    assert other.value.code == "forbidden"
    # A founder manages anyone's.
    contacts.add_contact_method(
        actor=Actor.for_user(founder), user=ana, kind="sms", address="+15551230001"
    )
    assert ContactMethod.objects.filter(user=ana).count() == 1


def test_a_test_page_is_refused_before_verification(ana: User) -> None:
    me = Actor.for_user(ana)
    method = contacts.add_contact_method(actor=me, user=ana, kind="sms", address="+15551230001")
    with pytest.raises(DomainError, match="Verify"):
        contacts.send_test_page(actor=me, method=method)
    method = contacts.verify_contact_method(
        actor=me, method=method, code=code_sent_to("+15551230001")
    )
    sent = contacts.send_test_page(actor=me, method=method)
    assert (sent.kind, sent.provider_kind, sent.recipient) == (
        "test_page",
        "phone_sms",
        "+15551230001",
    )


def test_the_cli_adds_verifies_sets_rules_and_refuses_in_one_line(ana: User) -> None:
    out = StringIO()
    call_command("contact", "add", "ana", "--kind", "sms", "--to", "+15551230001", stdout=out)
    method = ContactMethod.objects.get(user=ana)
    assert f"(id {method.pk})" in out.getvalue()
    call_command("contact", "verify", "ana", code_sent_to("+15551230001"), stdout=StringIO())
    call_command(
        "contact", "add", "ana", "--kind", "voice", "--to", "+15551230001", stdout=StringIO()
    )
    voice = ContactMethod.objects.get(user=ana, kind="voice")
    call_command(
        "contact",
        "verify",
        "ana",
        code_sent_to("+15551230001"),
        "--id",
        str(voice.pk),
        stdout=StringIO(),
    )
    out = StringIO()
    call_command(
        "contact", "rules", "ana", "--rule", f"{method.pk}:0", "--rule", f"{voice.pk}:3", stdout=out
    )
    assert "SMS …0001 now, Voice call …0001 at +3 min" in out.getvalue()
    assert NotificationRule.objects.filter(user=ana).count() == 2
    with pytest.raises(CommandError) as bad:
        call_command("contact", "add", "ana", "--kind", "sms", "--to", "12", stdout=StringIO())
    assert str(bad.value) == "to: Give the number in international form, e.g. +15551230001."
    with pytest.raises(CommandError) as nobody:
        call_command("contact", "list", "zed", stdout=StringIO())
    assert str(nobody.value).startswith("username: ")


@pytest.fixture
def token_client(make_token: Callable[..., Any]) -> Callable[..., APIClient]:
    def _client(user: User, read_only: bool = False) -> APIClient:
        _, key = make_token(user, read_only=read_only)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return _client


def test_the_api_lets_a_person_manage_their_own_and_nobody_elses(
    ana: User,
    responder: User,
    token_client: Callable[..., APIClient],
    django_user_model: type[User],
) -> None:
    mine = token_client(ana)
    created = mine.post(
        "/api/v1/contact-methods/", {"kind": "sms", "address": "+15551230001"}, format="json"
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["verified"] is False
    verified = mine.post(
        f"/api/v1/contact-methods/{pk}/verify/",
        {"code": code_sent_to("+15551230001")},
        format="json",
    )
    assert verified.status_code == 200
    assert verified.json()["verified"] is True
    rules = mine.put(
        "/api/v1/notification-rules/",
        {"rules": [{"contact_method": pk, "delay_minutes": 0}]},
        format="json",
    )
    assert rules.status_code == 200
    assert mine.post(f"/api/v1/contact-methods/{pk}/test/", {}, format="json").status_code == 200
    # Another responder neither sees nor changes it.
    responder.groups.add(Group.objects.get_or_create(name=RESPONDERS)[0])
    other = token_client(responder)
    assert other.get(f"/api/v1/contact-methods/{pk}/").status_code == 404
    assert other.get("/api/v1/contact-methods/?user=ana").status_code == 403
    assert other.delete(f"/api/v1/contact-methods/{pk}/").status_code == 404
    # A staff user with no group reaches nothing; a read-only token and an auditor may not write.
    loner = django_user_model.objects.create_user("loner", is_staff=True)
    assert token_client(loner).get("/api/v1/contact-methods/").status_code == 403
    assert (
        token_client(ana, read_only=True)
        .post("/api/v1/contact-methods/", {"kind": "sms", "address": "+15551230002"}, format="json")
        .status_code
        == 403
    )
    auditor = django_user_model.objects.create_user("audrey", is_staff=True)
    auditor.groups.add(Group.objects.get_or_create(name=AUDITORS)[0])
    assert (
        token_client(auditor)
        .post("/api/v1/contact-methods/", {"kind": "sms", "address": "+15551230003"}, format="json")
        .status_code
        == 403
    )
    # Unknown fields are refused, naming them.
    refused = mine.post(
        "/api/v1/contact-methods/",
        {"kind": "sms", "address": "+15551230004", "phone": "x"},
        format="json",
    )
    assert refused.status_code == 400
    assert "phone" in refused.json()


def test_the_admin_page_adds_and_verifies_a_phone(ana: User) -> None:
    client = Client()
    client.force_login(ana)
    url = reverse("admin:oncall_contactmethod_changelist")
    assert b"My contact methods" in client.get(reverse("admin:index")).content
    page = client.get(url)
    assert page.status_code == 200
    client.post(url, {"op": "add", "kind": "sms", "address": "+15551230001", "label": "Work"})
    method = ContactMethod.objects.get(user=ana)
    done = client.post(
        url,
        {"op": "verify", "method": method.pk, "code": code_sent_to("+15551230001")},
        follow=True,
    )
    assert b"Verified" in done.content
    method.refresh_from_db()
    assert method.usable
    assert "Pages reach <strong>ana</strong>: SMS …0001 now" in client.get(url).content.decode()
