"""Which severity an alert's incident gets: routing rules, the default, the sender's hint."""

from __future__ import annotations

from typing import Any

from incidents.integrations.choices import MatchOperator
from incidents.integrations.formats import AlertEvent, path_value
from incidents.integrations.models import AlertRoutingRule, Integration
from incidents.models import PolicyVersion
from incidents.selectors import level_by_code
from portal.kernel.errors import DomainError

# Sender severities mapped to a level rank when neither a rule nor a default decides.
HINT_RANKS = {"critical": 1, "error": 2, "warning": 3, "info": 4}


def _rule_matches(rule: AlertRoutingRule, document: dict[str, Any]) -> bool:
    value = path_value(document, rule.path)
    if rule.operator == MatchOperator.CONTAINS:
        if isinstance(value, list | dict):
            return rule.value in {str(item) for item in value}
        return value is not None and rule.value in str(value)
    text = (
        None if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
    )
    return (text == rule.value) == (rule.operator == MatchOperator.EQUALS)


def choose_severity(integration: Integration, event: AlertEvent, version: PolicyVersion) -> str:
    """First matching routing rule, else the default, else the sender's own severity by rank.

    A code the policy in force does not know is skipped (policies change; alerts must
    still open incidents), so this always returns a level of `version`.
    """
    candidates = [
        rule.severity
        for rule in integration.routing_rules.all()
        if _rule_matches(rule, event.document)
    ][:1]
    if integration.default_severity:
        candidates.append(integration.default_severity)
    ranks = sorted(level.rank for level in version.levels.all())
    if not ranks:
        raise DomainError("The policy in force has no severity levels.", field="severity")
    wanted = HINT_RANKS.get(event.severity_hint, 2)
    candidates.append(str(min((r for r in ranks if r >= wanted), default=ranks[-1])))
    for code in candidates:
        try:
            return level_by_code(version, code).code
        except DomainError:
            continue
    return str(ranks[-1])  # unreachable: the rank candidate always exists
