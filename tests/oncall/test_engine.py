"""The paging engine: seconds-level cycles, cheap when idle, exactly once with two engines."""

from __future__ import annotations

import datetime
import os
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from incidents.choices import TimelineKind
from incidents.models import Incident, PolicyVersion, TimelineEntry
from incidents.oncall.models import Escalation, EscalationPolicy, EscalationStep, Page
from portal.notifications.models import OutboxMessage
from portal.project.engine import Engine, run_cycle


def _due_escalations(
    count: int, user: Any, *, due_from: datetime.datetime, spread_s: float
) -> list[Escalation]:
    """`count` open incidents whose escalation's first step (page `user` by email) falls
    due between `due_from` and `due_from + spread_s`."""
    from incidents.services import declare_incident
    from portal.kernel.actors import Actor

    template = declare_incident(actor=Actor.system("test"), title="Template", severity="SEV-3")
    policy = EscalationPolicy.objects.create(name="Engine test", repeat=0)
    EscalationStep.objects.create(policy=policy, order=1, target_kind="user", user=user)
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                ref=f"ENG-{i:04d}",
                title=f"Engine {i}",
                policy_version=template.policy_version,
                severity=template.severity,
                declared_at=due_from,
            )
            for i in range(count)
        ]
    )
    return Escalation.objects.bulk_create(
        [
            Escalation(
                incident=incident,
                policy=policy,
                started_at=due_from,
                next_step_at=due_from
                + datetime.timedelta(seconds=spread_s * i / max(count - 1, 1)),
            )
            for i, incident in enumerate(incidents)
        ]
    )


@pytest.mark.django_db
def test_an_idle_cycle_is_a_few_queries(policy: PolicyVersion) -> None:
    with CaptureQueriesContext(connection) as ctx:
        run_cycle()
    sql = [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))
    ]
    # Unopened alerts, escalations due, personal notifications due, deadlines due, stuck
    # sends, messages due, provider follow-ups due: one query each.
    assert len(sql) == 7, "\n".join(sql)


def _wait_for(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_due_step_is_paged_and_delivered_within_five_seconds(
    responder: User, policy: PolicyVersion, settings: Settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    due = timezone.now() + datetime.timedelta(seconds=2)
    [escalation] = _due_escalations(1, responder, due_from=due, spread_s=0)
    engine = Engine(every=1.0).start()
    try:
        assert _wait_for(
            lambda: OutboxMessage.objects.filter(kind="page", status="sent").exists(), 15
        )
    finally:
        engine.stop()
    page = Page.objects.select_related("message").get(escalation=escalation)
    assert page.message is not None
    assert page.message.sent_at is not None
    assert (page.paged_at - due).total_seconds() < 5
    assert (page.message.sent_at - due).total_seconds() < 5


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_engines_over_200_due_items_handle_each_once(
    responder: User, policy: PolicyVersion, settings: Settings
) -> None:
    """Two engines (four loops, four connections) over 200 escalation steps falling due
    across the run, each paging by email: every step paged once, every page sent once."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A minute, as issue 13 asks; ENGINE_TEST_SECONDS shortens it while iterating.
    seconds = float(os.environ.get("ENGINE_TEST_SECONDS", "60"))
    start = timezone.now() + datetime.timedelta(seconds=1)
    escalations = _due_escalations(200, responder, due_from=start, spread_s=seconds - 5)
    engines = [Engine(every=0.5).start(), Engine(every=0.5).start()]
    try:
        time.sleep(seconds)
        assert _wait_for(
            lambda: (
                not OutboxMessage.objects.filter(kind="page").exclude(status="sent").exists()
                and Page.objects.count() >= 200
            ),
            10,
        )
    finally:
        for engine in engines:
            engine.stop()
    assert sum(e.errors for e in engines) == 0
    assert all(e.cycles["escalation"] > 5 for e in engines)
    pages = list(Page.objects.select_related("message", "escalation"))
    assert len(pages) == 200
    assert {p.escalation_id for p in pages} == {e.pk for e in escalations}
    assert set(Escalation.objects.values_list("next_index", flat=True)) == {1}
    assert (
        TimelineEntry.objects.filter(
            kind=TimelineKind.PAGED, incident__ref__startswith="ENG-", message__startswith="Paged "
        ).count()
        == 200
    )
    assert all(p.message for p in pages)
    assert {(p.message.attempts, p.message.status) for p in pages if p.message} == {(1, "sent")}
    from django.core import mail

    assert len(mail.outbox) == 200
    # Each step was due at its own time within the spread: check the lag per page.
    due_at = {e.pk: e.next_step_at for e in escalations if e.next_step_at is not None}
    worst = max((p.paged_at - due_at[p.escalation_id]).total_seconds() for p in pages)
    assert worst < 5, worst


@pytest.mark.django_db
def test_a_first_step_lost_after_the_commit_is_paged_by_the_engine_once(
    founder: User,
    policy: PolicyVersion,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from incidents.oncall.services import run_first_step
    from incidents.services import declare_incident
    from portal.kernel.actors import Actor

    # Given a declaration committed whose process died before its first step ran
    with django_capture_on_commit_callbacks() as after_commit:
        incident = declare_incident(actor=Actor.system("test"), title="DB down", severity="SEV-1")
    assert not Page.objects.filter(incident=incident).exists()
    escalation = Escalation.objects.get(incident=incident)
    assert escalation.next_step_at is not None
    assert escalation.next_step_at <= timezone.now()
    # When the engine's next cycle runs, the founder is paged
    run_cycle()
    assert list(Page.objects.filter(incident=incident).values_list("user", flat=True)) == [
        founder.pk
    ]
    # and the lost callback, run late all the same, pages nobody twice
    [first_step] = [c for c in after_commit if getattr(c, "func", None) is run_first_step]
    first_step()
    assert Page.objects.filter(incident=incident).count() == 1
    assert TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.PAGED).count() == 1
