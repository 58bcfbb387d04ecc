"""Fixtures of the post-mortem tests: a resolved incident at a frozen Thursday."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from incidents.services import declare_incident, resolve_incident
from portal.kernel.actors import Actor

UTC = datetime.UTC
# Thursday 5 March 2026: declared 10:00 UTC, resolved 14:00 UTC.
DECLARED = datetime.datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
RESOLVED = datetime.datetime(2026, 3, 5, 14, 0, tzinfo=UTC)


@pytest.fixture
def resolve_at() -> Any:
    """resolve_at(severity, declared=DECLARED, resolved=RESOLVED, **kw) -> Incident (policy loaded first)."""

    def _run(
        severity: str,
        declared: datetime.datetime = DECLARED,
        resolved: datetime.datetime = RESOLVED,
        **kwargs: Any,
    ) -> Any:
        actor = kwargs.pop("actor", Actor.system("test"))
        reason = kwargs.pop("unmet_comms_reason", "test fixture: comms are not the subject")
        with time_machine.travel(declared, tick=False):
            incident = declare_incident(
                actor=actor,
                title=kwargs.pop("title", "Checkout errors"),
                severity=severity,
                **kwargs,
            )
        with time_machine.travel(resolved, tick=False):
            incident = resolve_incident(
                incident=incident,
                actor=actor,
                message="Fixed by rollback.",
                unmet_comms_reason=reason,
            )
        incident.refresh_from_db()
        return incident

    return _run


@pytest.fixture
def resolved_pm(policy: Any, resolve_at: Any) -> Any:
    """The draft post-mortem of a SEV-2 resolved on Thursday 5 March 2026 at 14:00 UTC."""
    incident = resolve_at("SEV-2")
    return incident.postmortem


@pytest.fixture
def complete(founder: Any) -> Any:
    """complete(pm, actor): fill every required section, add one owned dated action item, submit."""
    from postmortems import services

    def _complete(
        pm: Any, actor: Actor, *, submit: bool = True, due: datetime.date | None = None
    ) -> Any:
        services.update_postmortem(
            postmortem=pm,
            actor=actor,
            changes={
                "root_cause": "Connection pool exhausted by a retry storm in the payments client.",
                "contributing_causes": "No load test of the retry policy; alert threshold too high.",
                "what_worked": "Rollback in four minutes.",
                "what_didnt": "The status page went up late.",
                "customer_impact_summary": "Checkout failed for one in five customers for 4 hours.",
                "customers_affected": 120,
                "revenue_impact": "1800.00",
                "revenue_currency": "eur",
            },
        )
        services.create_action_item(
            actor=actor,
            postmortem=pm,
            description="Cap retries with jitter",
            owner=founder,
            due_date=due or datetime.date(2026, 3, 20),
            ticket_url="https://linear.app/acme/issue/OPS-12",
        )
        if submit:
            services.submit_for_review(postmortem=pm, actor=actor, reviewers=[founder])
        pm.refresh_from_db()
        return pm

    return _complete
