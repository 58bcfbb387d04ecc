"""Placeholders: validated when a template is saved, never a crash when filled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from incidents.comms.forms import CommsTemplateForm
from incidents.comms.models import CommsTemplate
from incidents.comms.placeholders import fill, incident_values
from incidents.models import Incident


def test_unknown_placeholder_is_a_validation_error_naming_the_field(db: None) -> None:
    # Given a template body with a typo in a placeholder
    template = CommsTemplate(
        key="t", name="T", kind="banner", audience="customer", body="Down since {strat_time}"
    )
    # When it is validated
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    # Then the body field says which placeholder is unknown
    assert "{strat_time}" in exc.value.message_dict["body"][0]


def test_admin_form_shows_placeholder_error_on_the_field(db: None) -> None:
    form = CommsTemplateForm(
        data={
            "key": "t",
            "name": "T",
            "kind": "customer_email",
            "audience": "customer",
            "subject": "Incident {nope}",
            "body": "Hello {ref}",
        }
    )
    assert not form.is_valid()
    assert "{nope}" in form.errors["subject"][0]
    assert "body" not in form.errors


def test_unbalanced_brace_is_a_validation_error(db: None) -> None:
    template = CommsTemplate(
        key="t", name="T", kind="banner", audience="customer", body="Broken { brace"
    )
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert "brace" in exc.value.message_dict["body"][0]


def test_customer_template_may_not_name_the_commander(db: None) -> None:
    template = CommsTemplate(
        key="t",
        name="T",
        kind="status_page_investigating",
        audience="customer",
        body="Handled by {commander}",
    )
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert "internal" in exc.value.message_dict["body"][0]
    internal = CommsTemplate(
        key="t2",
        name="T",
        kind="internal_announcement",
        audience="internal",
        body="IC: @{commander}",
    )
    internal.full_clean()


def test_fill_leaves_unknown_and_malformed_placeholders_as_written() -> None:
    values = {"ref": "INC-1"}
    assert (
        fill("{ref} {unknown} {ref.attr} {{literal}}", values)
        == "INC-1 {unknown} {ref.attr} {literal}"
    )
    assert fill("broken { brace {ref}", values) == "broken { brace {ref}"
    assert fill("{0} {}", values) == "{0} {}"


def test_incident_values_fill_the_founder_template(
    declare: Callable[..., Incident], components: Any, founder: User
) -> None:
    import datetime

    import time_machine

    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False):
        incident = declare(
            "SEV-1",
            title="checkout errors",
            summary="pgbouncer wedged on db-7",
            customer_impact="failed payments",
            services=[components["api"], components["internal"]],
            commander=founder,
        )
        values = incident_values(incident)
    assert values["start_time"] == "2026-03-02 10:00 UTC"
    assert values["next_update_at"] == "10:30 UTC"  # the playbook's {now + 30min}
    assert values["affected_feature"] == "API"  # non-public services are not named
    assert values["impact"] == "failed payments"
    assert values["commander"] == "founder"
    assert values["end"] == "ongoing"


def test_a_value_that_starts_a_sentence_starts_with_a_capital() -> None:
    """Seen in the screenshots: "card payments at checkout has been working normally"."""
    from incidents.comms.placeholders import fill

    values = {"affected_feature": "card payments at checkout", "impact": "failed payments"}
    assert fill("{affected_feature} has been working normally.", values) == (
        "Card payments at checkout has been working normally."
    )
    assert fill("Resolved. {affected_feature} works.", values) == (
        "Resolved. Card payments at checkout works."
    )
    assert fill("[RESOLVED] {affected_feature} works.", values).startswith("[RESOLVED] Card")
    # Inside a sentence the customer's words stay as written
    assert fill("Customers may see {impact}.", values) == "Customers may see failed payments."
    assert fill("Up since 12:00 for {impact}", values).endswith("for failed payments")
