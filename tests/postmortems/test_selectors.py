"""The pattern report (stalled action items, repeat root causes) and the risk review's lists."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from incidents.models import Service
from portal.kernel.errors import DomainError
from postmortems import selectors, services

TODAY = datetime.date(2026, 3, 16)


def test_stalled_means_every_item_open_and_past_due(
    policy: Any, resolve_at: Any, founder_actor: Any, founder: Any
) -> None:
    stalled, shipping, pending, empty = (
        resolve_at("SEV-1", title=t).postmortem for t in ("Stalled", "Shipping", "Pending", "Empty")
    )
    for pm in (stalled, shipping, pending):
        services.create_action_item(
            actor=founder_actor,
            postmortem=pm,
            description="A",
            owner=founder,
            due_date=datetime.date(2026, 3, 10),
        )
    services.create_action_item(
        actor=founder_actor,
        postmortem=stalled,
        description="B",
        owner=founder,
        due_date=datetime.date(2026, 3, 12),
    )
    done = services.create_action_item(
        actor=founder_actor,
        postmortem=shipping,
        description="B",
        owner=founder,
        due_date=datetime.date(2026, 3, 12),
    )
    services.update_action_item(item=done, actor=founder_actor, changes={"status": "done"})
    services.create_action_item(
        actor=founder_actor,
        postmortem=pending,
        description="B",
        owner=founder,
        due_date=datetime.date(2026, 4, 12),
    )
    assert [pm.incident.title for pm in selectors.stalled_postmortems(today=TODAY)] == ["Stalled"]


def test_repeat_root_causes(policy: Any, resolve_at: Any, founder_actor: Any) -> None:
    db_service = Service.objects.create(name="Database", slug="db")
    texts = {
        "A": ("Connection pool exhausted by a retry storm in the payments client.", [db_service]),
        "B": (
            "Connection pool exhausted by retry storm in payments client",
            [],
        ),  # near-identical text
        "C": (
            "Primary database disk filled up with WAL segments after replication lag.",
            [db_service],
        ),
        "D": (
            "Replication lag let WAL segments fill the database disk on the primary.",
            [db_service],
        ),
        "E": ("A typo in the marketing banner.", []),
    }
    for title, (root_cause, svc) in texts.items():
        pm = resolve_at("SEV-1", title=title, services=svc).postmortem
        services.update_postmortem(
            postmortem=pm, actor=founder_actor, changes={"root_cause": root_cause}
        )
    groups = [sorted(pm.incident.title for pm in g) for g in selectors.repeat_root_cause_groups()]
    assert sorted(groups) == [["A", "B"], ["C", "D"]]


def test_similarity_rule() -> None:
    assert selectors.similar_root_causes(
        "Disk full on db-1", "disk full on DB-1!", shared_service=False
    )
    assert not selectors.similar_root_causes(
        "Expired TLS certificate on the API", "Disk full", shared_service=True
    )
    assert not selectors.similar_root_causes("", "", shared_service=True)


def test_risk_review_lists_the_quarter(
    policy: Any, resolve_at: Any, founder_actor: Any, founder: Any
) -> None:
    in_q1 = resolve_at("SEV-1", title="In Q1").postmortem
    q2 = datetime.datetime(2026, 4, 2, 10, tzinfo=datetime.UTC)
    in_q2 = resolve_at(
        "SEV-1", title="In Q2", declared=q2, resolved=q2 + datetime.timedelta(hours=1)
    ).postmortem
    services.create_action_item(
        actor=founder_actor,
        postmortem=in_q2,
        description="Open one",
        owner=founder,
        due_date=datetime.date(2026, 5, 1),
    )
    review = services.create_risk_review(
        actor=founder_actor,
        quarter_start=datetime.date(2026, 1, 1),
        quarter_end=datetime.date(2026, 3, 31),
    )
    contents = selectors.risk_review_contents(review)
    assert [pm.pk for pm in contents.postmortems] == [in_q1.pk]
    assert [i.description for i in contents.open_action_items] == ["Open one"]
    review = services.sign_off_risk_review(
        review=review, actor=founder_actor, notes="Reviewed with the board."
    )
    assert review.signed_off_by == founder
    with pytest.raises(DomainError, match="Already signed off"):
        services.sign_off_risk_review(review=review, actor=founder_actor)
    with pytest.raises(DomainError, match="ends before it starts"):
        services.create_risk_review(
            actor=founder_actor,
            quarter_start=datetime.date(2026, 4, 1),
            quarter_end=datetime.date(2026, 3, 1),
        )
