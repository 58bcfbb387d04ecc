"""Comms writes audit their messages and templates with the actor each door gave;
subscribers (customers' addresses) stay out of the audit log."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.urls import reverse

from incidents.comms import services, subscriptions
from incidents.comms.models import CommsMessage, CommsTemplate, Subscriber
from incidents.comms.preset_templates import load_preset_templates
from portal.audit.models import AuditEntry
from portal.audit.scope import audited_service
from portal.kernel.actors import Actor


def _entries(obj: Any, action: str | None = None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")
    return list(found.filter(action=action) if action else found)


def test_send_records_the_message_once_with_the_actor(declare: Any, founder: Any) -> None:
    incident = declare("SEV-1")
    result = services.send_comms(
        incident=incident,
        actor=Actor.for_user(founder),
        channel="status_page",
        body="Investigating.",
        idempotency_key=uuid.uuid4(),
    )
    [entry] = _entries(result.message)
    assert (entry.action, entry.actor_label, entry.actor_user_id) == (
        "create",
        "founder",
        founder.pk,
    )
    assert entry.after is not None
    assert entry.after["body"] == "Investigating."
    assert entry.after["recipient_count"] == result.message.recipient_count


def test_api_send_audits_as_the_token(api: Any, declare: Any, founder: Any) -> None:
    incident = declare("SEV-1")
    response = api.post(
        f"/api/v1/incidents/{incident.ref}/comms/",
        {"channel": "status_page", "body": "Investigating.", "idempotency_key": str(uuid.uuid4())},
        format="json",
    )
    assert response.status_code == 201
    [entry] = _entries(CommsMessage.objects.get())
    assert entry.actor_label == "founder (token test)"
    assert (entry.actor_user_id, entry.actor_token_id is not None) == (founder.pk, True)


def test_admin_compose_audits_as_the_logged_in_user(
    admin_client: Any, admin_user: Any, declare: Any
) -> None:
    incident = declare("SEV-1", title="payments failing")
    url = reverse("admin:comms_compose", args=[incident.pk])
    page = admin_client.get(url).content.decode()
    found = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', page)
    assert found is not None, page
    key = found.group(1)
    admin_client.post(
        url, {"channel": "status_page", "body": "Looking.", "idempotency_key": key, "send": "1"}
    )
    [entry] = _entries(CommsMessage.objects.get())
    assert (entry.actor_label, entry.actor_user_id) == (admin_user.username, admin_user.pk)


def test_preset_templates_reloaded_record_the_update_with_the_loader(policy: Any) -> None:
    template = CommsTemplate.objects.filter(policy_version=policy).order_by("pk").first()
    assert template is not None
    original = template.body
    CommsTemplate.objects.filter(pk=template.pk).update(body="edited by hand")

    @audited_service
    def reload() -> None:  # as `load_preset` runs its loaders
        load_preset_templates(policy, "founder-24x7", Actor.system("loadpolicy"))

    reload()
    [entry] = _entries(template, "update")
    assert entry.actor_label == "loadpolicy"
    assert (entry.before, entry.after) == ({"body": "edited by hand"}, {"body": original})


def test_subscribers_stay_out_of_the_audit_log(db: Any, client: Any) -> None:
    actor = Actor.system("status page")
    subscriptions.subscribe(email="alice@customer.test", actor=actor)
    subscriber = Subscriber.objects.get()
    subscriptions.confirm_subscription(
        token=_token(subscriber, subscriptions.CONFIRM_SALT), actor=actor
    )
    subscriptions.unsubscribe(token=_token(subscriber, subscriptions.UNSUBSCRIBE_SALT), actor=actor)
    assert not AuditEntry.objects.filter(object_type="comms.subscriber").exists()
    assert not AuditEntry.objects.filter(object_repr__contains="alice@").exists()


def _token(subscriber: Subscriber, salt: str) -> str:
    from django.core import signing

    return signing.dumps({"id": subscriber.pk, "e": subscriber.email}, salt=salt)
