"""Issue 14, "No login throttle": 20 wrong passwords then the right one is refused
until a founder unlocks in the admin; the lockout is audited and the founders are told.
"""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client

from portal.audit.models import AuditEntry
from portal.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def _login(client: Any, username: str, password: str, address: str = "203.0.113.7") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def victim(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(
        "victim", "v@example.com", "right-pw-123", is_staff=True
    )


def test_twenty_failed_logins_lock_until_founder_unlocks(
    client: Any, victim: Any, founder: Any
) -> None:
    for attempt in range(20):
        _login(client, "victim", f"wrong-{attempt}")
    # The right password is refused now
    refused = _login(client, "victim", "right-pw-123")
    assert refused.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    # From another address too: the username itself is locked
    assert _login(Client(), "victim", "right-pw-123", address="198.51.100.1").status_code in (
        403,
        429,
    )
    # The lockout is in the audit log and the founder is told at once (outbox)
    locked = AuditEntry.objects.filter(object_type="axes.lockout", action="create")
    assert locked.filter(after__username="victim").exists()
    assert OutboxMessage.objects.filter(kind="login_lockout", recipient_user=founder).exists()

    # When a founder unlocks in the admin
    admin = Client()
    admin.force_login(founder)
    response = admin.post(
        "/admin/axes/accessattempt/",
        {
            "action": "unlock",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert AuditEntry.objects.filter(
        object_type="axes.lockout", action="delete", actor_label="founder"
    ).exists()
    # Then the right password works again
    assert _login(client, "victim", "right-pw-123").status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


def test_one_address_is_locked_across_usernames(
    client: Any, victim: Any, django_user_model: Any
) -> None:
    django_user_model.objects.create_user("other", "o@example.com", "other-pw-123", is_staff=True)
    for attempt in range(6):
        _login(client, f"guess-{attempt}", "nope", address="192.0.2.50")
    assert _login(client, "other", "other-pw-123", address="192.0.2.50").status_code in (403, 429)
    assert _login(Client(), "other", "other-pw-123", address="192.0.2.51").status_code == 302


def test_responder_cannot_unlock(client: Any, victim: Any, responder: Any) -> None:
    from django.contrib.auth.models import Group

    responder.groups.add(Group.objects.get(name="Responders"))
    for attempt in range(6):
        _login(client, "victim", f"wrong-{attempt}")
    admin = Client()
    admin.force_login(responder)
    admin.post(
        "/admin/axes/accessattempt/",
        {
            "action": "unlock",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
        },
    )
    assert AccessAttempt.objects.exists()


def test_a_lockout_flood_is_one_notice_per_locked_address(client: Any, founder: Any) -> None:
    """Issue 24: 30 logins with 30 random usernames from a locked address made 60 lockout
    notifications and 60 audit entries; one locked address is one notice per interval."""
    for attempt in range(30):
        _login(client, f"nobody-{attempt}", "wrong")
    locked = AuditEntry.objects.filter(object_type="axes.lockout", action="create")
    assert locked.count() == 1, list(locked.values_list("object_repr", flat=True))
    assert OutboxMessage.objects.filter(kind="login_lockout").count() == 1  # one founder
    # Another address locked is news again
    for attempt in range(8):
        _login(Client(), f"other-{attempt}", "wrong", address="198.51.100.9")
    assert locked.count() == 2


def test_a_locked_name_tried_from_many_addresses_is_one_notice(
    client: Any, victim: Any, founder: Any
) -> None:
    for attempt in range(20):
        _login(Client(), "victim", "wrong", address=f"198.51.100.{attempt + 1}")
    locked = AuditEntry.objects.filter(object_type="axes.lockout", action="create")
    assert locked.count() == 1, list(locked.values_list("object_repr", flat=True))


def test_a_lock_after_a_founders_unlock_is_news_again(client: Any, founder: Any) -> None:
    from portal.access.lockouts import unlock_logins
    from portal.kernel.actors import Actor

    for attempt in range(6):
        _login(client, f"nobody-{attempt}", "wrong")
    unlock_logins(attempts=AccessAttempt.objects.all(), actor=Actor.system("test"))
    for attempt in range(6):
        _login(client, f"again-{attempt}", "wrong")
    assert AuditEntry.objects.filter(object_type="axes.lockout", action="create").count() == 2
