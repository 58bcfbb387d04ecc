"""The audit log: what is captured, by whom, and that tampering is detected."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse

from portal.audit import triggers
from portal.audit.context import acting_as
from portal.audit.models import AuditEntry, LoginAttempt
from portal.audit.sealing import seal_pending
from portal.audit.selectors import entries_for, verify_chain
from portal.kernel.actors import Actor


def test_declaring_and_editing_an_incident_is_recorded_with_actor_and_diff(
    policy: Any, founder_actor: Actor
) -> None:
    from incidents.services import declare_incident, update_incident_details

    # Given an incident declared by the founder (no request, no acting_as: the service's actor)
    incident = declare_incident(actor=founder_actor, title="Checkout errors", severity="SEV-2")
    # When its title is edited
    update_incident_details(
        incident=incident, actor=founder_actor, changes={"title": "Checkout 500s"}
    )
    seal_pending()
    # Then the log has its creation and the change, before and after, by the founder
    entries = list(entries_for(incident))
    assert entries[0].action == "create"
    assert entries[0].after is not None
    assert entries[0].after["title"] == "Checkout errors"
    update = entries[-1]
    assert update.action == "update"
    assert update.before == {"title": "Checkout errors"}
    assert update.after == {"title": "Checkout 500s"}
    assert update.actor_label == "founder"
    assert update.actor_user_id == founder_actor.user_id
    # And timeline rows and deadlines are captured too
    types = set(AuditEntry.objects.values_list("object_type", flat=True))
    assert {"incidents.timelineentry", "incidents.deadline"} <= types
    assert verify_chain().ok


def test_group_grants_are_grant_entries_and_passwords_are_redacted(
    founder: Any, responder: Any
) -> None:
    group = Group.objects.create(name="Ops")
    responder.groups.add(group)
    responder.set_password("a-new-secret")
    responder.save()

    grant = AuditEntry.objects.filter(action="grant", object_type="auth.user").latest("id")
    assert grant.after == {"groups": {"ids": [group.pk], "objects": ["Ops"]}}
    change = AuditEntry.objects.filter(action="update", object_id=str(responder.pk)).latest("id")
    assert change.after == {"password": "[redacted]"}
    assert "a-new-secret" not in str(list(AuditEntry.objects.values()))


def test_a_deleted_object_keeps_its_last_state(founder: Any) -> None:
    group = Group.objects.create(name="Temp")
    group.delete()
    entry = AuditEntry.objects.filter(action="delete").latest("id")
    assert entry.object_type == "auth.group"
    assert entry.before is not None
    assert entry.before["name"] == "Temp"


def test_failed_and_successful_logins_are_recorded(client: Any, founder: Any) -> None:
    assert not client.login(username="founder", password="wrong")
    assert client.login(username="founder", password="pw-founder-1")
    attempts = list(LoginAttempt.objects.order_by("id").values_list("username", "succeeded"))
    assert attempts == [("founder", False), ("founder", True)]
    # In insertion order: inside the test's transaction nothing is sealed yet, so every
    # `seq` is still empty and ordering by it would leave the order to the database.
    assert list(
        AuditEntry.objects.filter(object_type="auth.user", action__startswith="login")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["login_failed", "login"]


def test_admin_changes_are_attributed_to_the_signed_in_user(
    client: Any, founder: Any, audit_wired: Any
) -> None:
    client.force_login(founder)
    response = client.post(reverse("admin:auth_group_add"), {"name": "Support", "permissions": []})
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(object_type="auth.group", action="create").latest("id")
    assert entry.actor_label == "founder"
    assert entry.actor_user_id == founder.pk


def test_api_changes_are_attributed_to_the_token(
    api: Any, policy: Any, founder: Any, audit_wired: Any
) -> None:
    response = api.post(
        "/api/v1/incidents/", {"title": "Slow search", "severity": "SEV-3"}, format="json"
    )
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.filter(object_type="incidents.incident", action="create").latest(
        "seq"
    )
    assert entry.actor_label == "founder (token test)"
    assert entry.actor_token_id is not None


def test_commands_without_a_request_are_labelled_system_defaults() -> None:
    from portal.audit.context import default_label

    assert default_label(["manage.py", "loadpolicy", "x"]) == "cli"
    assert default_label(["manage.py", "qcluster"]) == "task"
    assert default_label(["gunicorn"]) == "system"


def test_audit_entries_cannot_be_changed_or_deleted_in_the_admin(client: Any, founder: Any) -> None:
    Group.objects.create(name="Evidence")
    entry = AuditEntry.objects.filter(object_repr="Evidence").latest("id")
    client.force_login(founder)
    # The superuser sees the entry…
    page = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert b"Evidence" in page.content
    # …but cannot change or delete it
    assert (
        client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, hash=entry.hash).exists()


def test_the_database_refuses_updates(db: Any) -> None:
    triggers.install(connection)
    Group.objects.create(name="Evidence")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEntry.objects.update(object_repr="nothing to see")


def test_verify_names_the_first_altered_entry(db: Any, capsys: Any) -> None:
    # Given a chain of a few entries
    for name in ("A", "B", "C"):
        Group.objects.create(name=name)
    seal_pending()
    call_command("audit", "verify")
    assert f"intact: {AuditEntry.objects.count()} entries" in capsys.readouterr().out
    second = AuditEntry.objects.get(object_type="auth.group", object_repr="B")
    # When someone alters the one of group B in SQL, bypassing the trigger
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["Z", second.pk]
        )
    # Then verify fails and names that entry
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify")
    assert f"entry id={second.pk} (seq {second.seq}, at {second.at:%Y-%m-%d %H:%M:%S}Z)" in str(
        failure.value
    )
    assert "content does not match its hash" in str(failure.value)


def test_verify_notices_a_removed_entry(db: Any) -> None:
    for name in ("A", "B", "C"):
        Group.objects.create(name=name)
    seal_pending()
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM audit_auditentry WHERE seq = %s", [AuditEntry.objects.latest("seq").seq]
        )
    report = verify_chain()
    assert report.first_break is not None
    assert "head mismatch" in report.first_break.reason


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain() -> None:
    # Given eight threads each creating groups at the same time
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with acting_as(Actor.system(f"worker-{n}")):
                for i in range(5):
                    with transaction.atomic():
                        Group.objects.create(name=f"g-{n}-{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then every write is in one unbroken chain
    assert errors == []
    seal_pending()
    seqs = sorted(
        seq
        for seq in AuditEntry.objects.filter(actor_label__startswith="worker-").values_list(
            "seq", flat=True
        )
        if seq is not None
    )
    assert len(seqs) == 40
    assert (
        len(set(AuditEntry.objects.values_list("prev_hash", flat=True)))
        == AuditEntry.objects.count()
    )
    assert verify_chain().ok


@pytest.mark.parametrize(
    "url", ["admin:audit_auditentry_changelist", "admin:audit_loginattempt_changelist"]
)
def test_changelists_are_a_constant_number_of_queries(
    client: Any, founder: Any, django_assert_num_queries: Any, url: str
) -> None:
    from django.test.utils import CaptureQueriesContext

    client.force_login(founder)
    client.get(reverse(url))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse(url))
    from django.utils import timezone

    for i in range(30):
        Group.objects.create(name=f"bulk-{i}")
        LoginAttempt.objects.create(username=f"u{i}", at=timezone.now(), succeeded=False)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(reverse(url)).status_code == 200
