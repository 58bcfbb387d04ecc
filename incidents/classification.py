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


def _plain(number: Decimal) -> str:
    """100, 25.5 — never 1E+2."""
    text = format(number.normalize(), "f")
    return text


def reason_for(rule: ClassificationRule, facts: IncidentFacts) -> str:
    """Why `rule` matched, written from the stored rule itself.

    A numeric rule reads as its comparison with the actual value ("Customers
    affected (%) 100 > 0 ⇒ SEV-3"), never as its free-text description, which may
    say something else (a rule stored as `> 0` described as "≤ 25%", issue 15).
    """
    if rule.operator in (RuleOperator.IS_TRUE, RuleOperator.IS_FALSE):
        return rule.description or str(rule)
    value = getattr(facts, rule.fact)
    shown = _plain(Decimal(value)) if value is not None else "?"
    limit = _plain(rule.value) if rule.value is not None else "?"
    return (
        f"{rule.get_fact_display()} {shown} {rule.get_operator_display()} {limit}"
        f" ⇒ {rule.level.code}"
    )


def suggest_severity(version: PolicyVersion, facts: IncidentFacts) -> Suggestion:
    """The worst level any rule puts the facts at; the reasons are the rules that put it
    there (rules pointing at a milder level explain nothing about the suggestion).

    Confirmed data loss always suggests the worst level, rule or not (SPEC §2).
    """
    levels = list(version.levels.order_by("rank"))
    if not levels:
        return Suggestion(level=None, reasons=["The policy has no severity levels."])
    best: SeverityLevel | None = None
    matched = [
        rule
        for rule in version.rules.select_related("level").order_by("level__rank", "id")
        if _matches(rule, facts)
    ]
    for rule in matched:
        if best is None or rule.level.rank < best.rank:
            best = rule.level
    reasons = [
        reason_for(rule, facts) for rule in matched if best is not None and rule.level_id == best.pk
    ]
    if facts.data_loss and (best is None or best.rank != levels[0].rank):
        best = levels[0]
        reasons.append(f"Confirmed data loss or leak ⇒ {best.code}, the worst level.")
    if best is None:
        reasons.append("No classification rule matched these facts.")
    return Suggestion(level=best, reasons=reasons)


FACT_FIELDS = tuple(ClassificationFact.values)
