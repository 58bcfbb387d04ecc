"""Severity suggestion from facts, per the pinned policy's classification rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from incidents.choices import ClassificationFact, RuleOperator
from incidents.models import ClassificationRule, PolicyVersion, SeverityLevel


@dataclass(frozen=True)
class IncidentFacts:
    customers_affected_pct: Decimal | None = None
    critical_flow_broken: bool = False
    production_outage: bool = False
    data_loss: bool = False
    customer_facing: bool = True


@dataclass
class Suggestion:
    level: SeverityLevel | None
    reasons: list[str] = field(default_factory=list)


def _matches(rule: ClassificationRule, facts: IncidentFacts) -> bool:
    value = getattr(facts, rule.fact)
    op = rule.operator
    if op == RuleOperator.IS_TRUE:
        return bool(value)
    if op == RuleOperator.IS_FALSE:
        return not value
    if value is None or rule.value is None:
        return False
    number = Decimal(value)
    return {
        RuleOperator.GT: number > rule.value,
        RuleOperator.GTE: number >= rule.value,
        RuleOperator.LT: number < rule.value,
        RuleOperator.LTE: number <= rule.value,
    }[RuleOperator(op)]


def suggest_severity(version: PolicyVersion, facts: IncidentFacts) -> Suggestion:
    """The worst level any rule puts the facts at, with every matching rule as a reason.

    Confirmed data loss always suggests the worst level, rule or not (SPEC §2).
    """
    levels = list(version.levels.order_by("rank"))
    if not levels:
        return Suggestion(level=None, reasons=["The policy has no severity levels."])
    best: SeverityLevel | None = None
    reasons: list[str] = []
    for rule in version.rules.select_related("level").order_by("level__rank", "id"):
        if _matches(rule, facts):
            reasons.append(rule.description or str(rule))
            if best is None or rule.level.rank < best.rank:
                best = rule.level
    if facts.data_loss and (best is None or best.rank != levels[0].rank):
        best = levels[0]
        reasons.append(f"Confirmed data loss or leak ⇒ {best.code}, the worst level.")
    if best is None:
        reasons.append("No classification rule matched these facts.")
    return Suggestion(level=best, reasons=reasons)


FACT_FIELDS = tuple(ClassificationFact.values)
