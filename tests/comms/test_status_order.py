"""Issue 25: an [INVESTIGATING] status-page post could be sent after the incident was
Identified, and the public page then read backwards. It is refused, naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.comms.models import CommsMessage, CommsTemplate
from incidents.services import post_status_update
from portal.kernel.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def identified(declare: Any, system: Any) -> Any:
    incident = declare("SEV-1", what_is_broken="card payments", customer_impact="failures")
    post_status_update(
        incident=incident, actor=system, status="identified", message="Found it.", public=True
    )
    return incident


def test_an_investigating_template_after_identified_is_refused(identified: Any, send: Any) -> None:
    template = CommsTemplate.objects.get(key="status-page-investigating", severity_codes="SEV-1")
    with pytest.raises(DomainError) as refused:
        send(identified, channel="status_page", template=template)
    assert refused.value.field == "template"
    assert "Identified" in refused.value.message
    assert not CommsMessage.objects.filter(incident=identified, channel="status_page").exists()


def test_a_hand_written_investigating_tag_after_identified_is_refused(
    identified: Any, send: Any
) -> None:
    with pytest.raises(DomainError) as refused:
        send(identified, channel="status_page", body="[INVESTIGATING] We are looking into it.")
    assert refused.value.field == "body"


def test_an_update_for_the_current_status_goes_out(identified: Any, send: Any) -> None:
    result = send(identified, channel="status_page", body="[IDENTIFIED] We found the cause.")
    assert result.created
    assert result.message.announced_status == "identified"


def test_the_compose_page_shows_the_refusal(client: Any, founder: Any, identified: Any) -> None:
    import uuid

    client.force_login(founder)
    template = CommsTemplate.objects.get(key="status-page-investigating", severity_codes="SEV-1")
    response = client.post(
        f"/admin/comms/commsmessage/compose/{identified.pk}/",
        {
            "template": template.pk,
            "channel": "status_page",
            "body": template.body,
            "idempotency_key": str(uuid.uuid4()),
            "send": "Send",
        },
    )
    assert response.status_code == 200
    assert "the status page would read backwards" in response.content.decode()
