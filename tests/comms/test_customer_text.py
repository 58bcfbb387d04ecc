"""Issue 15, seen 4: customer text comes from customer facts, never the internal summary,
and a template whose placeholders are still empty is refused (or sent after confirming)."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.comms.models import CommsMessage, CommsTemplate
from incidents.comms.placeholders import blank_placeholders, fill, incident_values
from incidents.services import update_incident_details
from portal.kernel.errors import DomainError

pytestmark = pytest.mark.django_db

INTERNAL = "Checkout API returns 502 because pgbouncer on db-7 is wedged; customers cannot pay"


def _customer_templates() -> list[CommsTemplate]:
    return list(CommsTemplate.objects.filter(audience="customer"))


def test_seen_4_rendered_customer_templates_never_contain_the_internal_summary(
    declare: Any, components: Any, system: Any
) -> None:
    incident = declare(
        "SEV-1",
        title="Checkout down",
        summary=INTERNAL,
        services=[components["api"]],
        customers_affected_pct=100,
    )
    templates = _customer_templates()
    assert templates, "the founder-24x7 preset loads customer templates"
    values = incident_values(incident)
    for template in templates:
        rendered = fill(template.subject, values) + "\n" + fill(template.body, values)
        assert INTERNAL not in rendered, template.key
        assert "pgbouncer" not in rendered, template.key
    # With the customer facts written, the investigating post reads them
    update_incident_details(
        incident=incident,
        actor=system,
        changes={"what_is_broken": "card payments", "customer_impact": "failed payments"},
    )
    incident.refresh_from_db()
    investigating = CommsTemplate.objects.get(
        key="status-page-investigating", severity_codes="SEV-1"
    )
    text = fill(investigating.body, incident_values(incident))
    assert "reports of card payments" in text
    assert "Customers may experience failed payments" in text
    assert "pgbouncer" not in text


def test_seen_4_impact_placeholder_is_blank_rather_than_the_summary(
    declare: Any,
) -> None:
    incident = declare("SEV-1", title="Checkout down", summary=INTERNAL)
    values = incident_values(incident)
    assert values["impact"] == ""
    assert values["what_is_broken"] == ""
    assert blank_placeholders("Customers may experience {impact}.", values) == ["impact"]


def test_seen_4_customer_email_before_the_postmortem_is_refused_listing_the_blanks(
    declare: Any, send: Any, components: Any
) -> None:
    incident = declare("SEV-1", title="Checkout down", services=[components["api"]])
    email = CommsTemplate.objects.get(key="customer-email", severity_codes="SEV-1")
    with pytest.raises(DomainError) as refused:
        send(incident, channel="email", template=email)
    assert refused.value.field == "body"
    for name in ("{what_happened}", "{root_cause}", "{fix}", "{prevention}"):
        assert name in refused.value.message
    assert not CommsMessage.objects.exists()
    # After confirming, it is sent as written
    result = send(incident, channel="email", template=email, allow_blanks=True)
    assert result.created
    assert "Root cause: ." in result.message.body


def test_seen_4_compose_shows_the_blanks_and_send_needs_the_confirmation(
    client: Any, founder: Any, declare: Any, components: Any
) -> None:
    import uuid

    client.force_login(founder)
    incident = declare("SEV-1", title="Checkout down", services=[components["api"]])
    email = CommsTemplate.objects.get(key="customer-email", severity_codes="SEV-1")
    url = f"/admin/comms/commsmessage/compose/{incident.pk}/"
    page = client.get(url, {"template": email.pk}).content.decode()
    assert 'id="blank-placeholders"' in page
    assert "{root_cause}" in page
    data = {
        "template": email.pk,
        "channel": "email",
        "subject": email.subject,
        "body": email.body,
        "idempotency_key": str(uuid.uuid4()),
        "send": "Send",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "These placeholders are still empty" in response.content.decode()
    assert not CommsMessage.objects.exists()
    response = client.post(url, {**data, "allow_blanks": "on"})
    assert response.status_code == 302
    assert CommsMessage.objects.count() == 1


def test_issue_25_product_and_what_happened_come_from_the_customer_facts_not_the_title(
    declare: Any, send: Any
) -> None:
    """Issue 25: with no public service set, customers read the internal title as the
    product name ("Checkout API returns 502 was unavailable"). They read the customer
    facts the declare form asked for; a fact nobody wrote stays blank and is refused."""
    title = "Checkout API returns 502"
    incident = declare(
        "SEV-1",
        title=title,
        what_is_broken="card payments at checkout",
        customer_impact="failed payments and error pages",
    )
    values = incident_values(incident)
    assert values["affected_feature"] == "card payments at checkout"
    assert values["what_happened"] == "failed payments and error pages"
    email = CommsTemplate.objects.get(key="customer-email", severity_codes="SEV-1")
    rendered = fill(email.subject + "\n" + email.body, values)
    assert title not in rendered

    # Nobody wrote the customer facts: blank, and the send is refused naming them
    bare = declare("SEV-1", title=title)
    values = incident_values(bare)
    assert values["affected_feature"] == ""
    assert values["what_happened"] == ""
    with pytest.raises(DomainError) as refused:
        send(bare, channel="email", template=email)
    assert "{affected_feature}" in refused.value.message
    assert "{what_happened}" in refused.value.message
    # The team's own announcement may still name the incident by its title
    internal = incident_values(bare, internal=True)
    assert internal["affected_feature"] == title
    assert internal["what_happened"] == title
