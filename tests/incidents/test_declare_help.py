"""Issue 15, seen 10: severity help that does not mislead."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from incidents.classification import IncidentFacts, suggest_severity
from incidents.models import SeverityLevel

pytestmark = pytest.mark.django_db


def test_seen_10_declare_form_shows_every_level_definition_beside_the_choice(
    client: Any, founder: Any, policy: Any
) -> None:
    client.force_login(founder)
    page = client.get("/admin/incidents/incident/declare/").content.decode()
    assert 'id="severity-definitions"' in page
    assert page.index('id="id_severity"') < page.index('id="severity-definitions"')
    for level in SeverityLevel.objects.filter(version=policy):
        assert level.code in page
        if level.definition:
            assert level.definition.split("\n")[0][:40] in page


def test_seen_10_a_full_outage_suggestion_never_reads_at_most_25_percent(policy: Any) -> None:
    suggestion = suggest_severity(
        policy, IncidentFacts(customers_affected_pct=Decimal("100"), production_outage=True)
    )
    assert suggestion.level is not None
    assert suggestion.level.code == "SEV-1"
    text = "; ".join(suggestion.reasons)
    assert "≤ 25%" not in text
    assert "SEV-3" not in text
    assert "Customers affected (%) 100 ≥ 100 ⇒ SEV-1" in text


def test_seen_10_numeric_reason_is_the_stored_rule(policy: Any) -> None:
    suggestion = suggest_severity(policy, IncidentFacts(customers_affected_pct=Decimal("10")))
    assert suggestion.level is not None
    assert suggestion.level.code == "SEV-3"
    assert suggestion.reasons == ["Customers affected (%) 10 > 0 ⇒ SEV-3"]
