"""Incident services: lifecycle, roles, timeline, severity changes, deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from pytest_django import DjangoCaptureOnCommitCallbacks

from incidents import services
from incidents.choices import DeadlineKind, IncidentStatus, TimelineKind
from incidents.exceptions import TransitionNotAllowed
from incidents.models import Deadline, Incident, PolicyVersion, TimelineEntry
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

pytestmark = pytest.mark.django_db

MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def _deadline(incident: Incident, kind: str, channel: str = "") -> Deadline:
    return incident.deadlines.get(kind=kind, channel=channel, superseded_at__isnull=True)


def test_declare_gives_reference_pins_policy_and_writes_timeline(
    declare: Callable[..., Incident],
    policy: PolicyVersion,
    founder_actor: Actor,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        # committed: the first escalation step runs right after the declaration commits
        with django_capture_on_commit_callbacks(execute=True):
            first = declare(
                "SEV-1", title="Database down", actor=founder_actor, production_outage=True
            )
        second = declare("SEV-3")

    assert first.ref == "INC-20261123-01"
    assert second.ref == "INC-20261123-02"
    assert first.policy_version == policy
    assert first.status == IncidentStatus.INVESTIGATING
    assert first.commander is not None
    assert first.commander.username == "founder"
    assert first.war_room_channel == "#incident-2026-11-23-database-down"
    assert second.war_room_channel == ""  # founder-24x7: war room for SEV-1 only
    kinds = list(first.timeline.values_list("kind", flat=True))
    # The preset's founder rotation was loaded before the founder's account existed: the
    # step resolves to nobody, which the timeline says, and the fallback (the founder) is paged.
    assert kinds == [
        TimelineKind.DECLARED,
        TimelineKind.ROLE_ASSIGNED,
        TimelineKind.PAGED,
        TimelineKind.PAGED,
    ]


def test_reference_sequence_restarts_each_utc_day(declare: Callable[..., Incident]) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 23, 23, 59, tzinfo=dt.UTC), tick=False):
        late = declare()
    with time_machine.travel(dt.datetime(2026, 11, 24, 0, 1, tzinfo=dt.UTC), tick=False):
        early = declare()
    assert late.ref == "INC-20261123-01"
    assert early.ref == "INC-20261124-01"


def test_declare_rejects_bad_input_naming_the_field_and_writes_nothing(
    declare: Callable[..., Incident],
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": ""}, "title"),
        ({"severity": "SEV-9"}, "severity"),
        ({"environment": "moon"}, "environment"),
        ({"customers_affected_pct": 140}, "customers_affected_pct"),
        ({"customers_affected_pct": "lots"}, "customers_affected_pct"),
    ]
    for kwargs, field in cases:
        severity = kwargs.pop("severity", "SEV-2")
        with pytest.raises(DomainError) as err:
            declare(severity, **kwargs)
        assert err.value.field == field
    assert Incident.objects.count() == 0
    assert TimelineEntry.objects.count() == 0


def test_data_loss_requires_the_worst_level(declare: Callable[..., Incident]) -> None:
    with pytest.raises(DomainError, match="SEV-1") as err:
        declare("SEV-3", data_loss=True)
    assert err.value.field == "severity"
    assert declare("SEV-1", data_loss=True).severity.code == "SEV-1"


def test_deadlines_follow_the_pinned_level(declare: Callable[..., Incident]) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        incident = declare("SEV-1")
    assert _deadline(incident, DeadlineKind.ACKNOWLEDGE).due_at == MONDAY_10 + dt.timedelta(
        minutes=15
    )
    assert _deadline(incident, DeadlineKind.RESOLVE).due_at == MONDAY_10 + dt.timedelta(hours=4)
    assert _deadline(
        incident, DeadlineKind.COMMS, "status_page"
    ).due_at == MONDAY_10 + dt.timedelta(minutes=60)
    assert _deadline(incident, DeadlineKind.COMMS, "email").due_at == MONDAY_10 + dt.timedelta(
        minutes=60
    )
    incident.refresh_from_db()
    assert incident.next_deadline_at == MONDAY_10 + dt.timedelta(minutes=15)
    assert incident.next_deadline_kind == "ack"


def test_business_day_target_skips_the_weekend(declare: Callable[..., Incident]) -> None:
    friday_16 = dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.UTC)
    with time_machine.travel(friday_16, tick=False):
        incident = declare("SEV-2")  # resolve within 1 business day
    assert _deadline(incident, DeadlineKind.RESOLVE).due_at == dt.datetime(
        2026, 11, 30, 16, 0, tzinfo=dt.UTC
    )


def test_acknowledge_meets_the_deadline_once_and_is_idempotent(
    declare: Callable[..., Incident], founder_actor: Actor
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        incident = declare("SEV-1")
    with time_machine.travel(MONDAY_10 + dt.timedelta(minutes=20), tick=False):
        services.acknowledge_incident(incident=incident, actor=founder_actor)
        services.acknowledge_incident(incident=incident, actor=founder_actor)
        ack = _deadline(incident, DeadlineKind.ACKNOWLEDGE)
        assert ack.met_at == MONDAY_10 + dt.timedelta(minutes=20)
        assert ack.is_missed(MONDAY_10 + dt.timedelta(minutes=20))  # met, but 5 minutes late
    assert incident.timeline.filter(kind=TimelineKind.ACKNOWLEDGED).count() == 1


def test_status_update_moves_status_and_schedules_the_next_cadence(
    load_policy: Callable[..., PolicyVersion], system: Actor
) -> None:
    load_policy("rotation-small-team")  # SEV-1/2: updates every 15 min
    with time_machine.travel(MONDAY_10, tick=False):
        incident = services.declare_incident(actor=system, title="Chat broken", severity="SEV-2")
    first = _deadline(incident, DeadlineKind.STATUS_UPDATE)
    assert first.due_at == MONDAY_10 + dt.timedelta(minutes=15)
    with time_machine.travel(MONDAY_10 + dt.timedelta(minutes=10), tick=False):
        services.post_status_update(
            incident=incident, actor=system, status="identified", message="Found it"
        )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IDENTIFIED
    first.refresh_from_db()
    assert first.met_at == MONDAY_10 + dt.timedelta(minutes=10)
    nxt = incident.deadlines.get(kind=DeadlineKind.STATUS_UPDATE, met_at__isnull=True)
    assert nxt.due_at == MONDAY_10 + dt.timedelta(minutes=25)


def test_refused_transitions_are_clear_errors(
    declare: Callable[..., Incident], system: Actor
) -> None:
    incident = declare()
    services.cancel_incident(incident=incident, actor=system, reason="False alarm")
    with pytest.raises(TransitionNotAllowed, match="cancelled cannot become resolved"):
        services.resolve_incident(incident=incident, actor=system)
    with pytest.raises(DomainError):
        services.post_status_update(
            incident=incident, actor=system, status="identified", message="x"
        )
    with pytest.raises(DomainError):
        services.acknowledge_incident(incident=incident, actor=system)


def test_resolve_without_required_postmortem_closes(
    declare: Callable[..., Incident], system: Actor
) -> None:
    incident = declare("SEV-3")  # founder-24x7: no post-mortem for SEV-3
    services.resolve_incident(incident=incident, actor=system, message="Fixed")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    assert incident.acknowledged_at
    assert incident.mitigated_at
    assert incident.resolved_at
    assert incident.closed_at


def test_resolve_with_required_postmortem_adds_its_deadline(
    declare: Callable[..., Incident], system: Actor
) -> None:
    with time_machine.travel(
        dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC), tick=False
    ):  # Thursday
        incident = declare("SEV-1")
        services.resolve_incident(incident=incident, actor=system)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    due = _deadline(incident, DeadlineKind.POSTMORTEM).due_at
    assert due == dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)  # 5 business days later
    services.record_postmortem_published(incident=incident, actor=system)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_conditional_comms_are_not_owed_when_resolved_early(
    declare: Callable[..., Incident], system: Actor
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        incident = declare("SEV-2")  # email only if > 4 hr
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False):
        services.resolve_incident(incident=incident, actor=system)
    assert not incident.deadlines.filter(
        kind=DeadlineKind.COMMS, channel="email", superseded_at__isnull=True
    ).exists()


def test_change_severity_recomputes_from_the_pinned_policy(
    declare: Callable[..., Incident], system: Actor, load_policy: Callable[..., PolicyVersion]
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        incident = declare("SEV-3")
    load_policy("ops-platform")  # a later policy must not move this incident's deadlines
    with time_machine.travel(MONDAY_10 + dt.timedelta(minutes=5), tick=False):
        services.change_severity(
            incident=incident, actor=system, severity="SEV-1", reason="All customers down"
        )
    incident.refresh_from_db()
    assert incident.severity.code == "SEV-1"
    assert incident.severity.version == incident.policy_version
    assert _deadline(incident, DeadlineKind.ACKNOWLEDGE).due_at == MONDAY_10 + dt.timedelta(
        minutes=15
    )
    assert _deadline(incident, DeadlineKind.RESOLVE).due_at == MONDAY_10 + dt.timedelta(hours=4)
    entry = incident.timeline.get(kind=TimelineKind.SEVERITY_CHANGED)
    assert "SEV-3 → SEV-1: All customers down" in entry.message
    with pytest.raises(DomainError) as err:
        services.change_severity(incident=incident, actor=system, severity="SEV-2", reason="")
    assert err.value.field == "reason"


def test_roles_keep_their_history(
    declare: Callable[..., Incident], founder: User, responder: User, founder_actor: Actor
) -> None:
    incident = declare(actor=founder_actor)
    services.assign_role(incident=incident, actor=founder_actor, role="commander", user=responder)
    services.assign_role(incident=incident, actor=founder_actor, role="investigator", user=founder)
    incident.refresh_from_db()
    assert incident.commander == responder
    history = list(
        incident.role_assignments.filter(role="commander").values_list(
            "user__username", "relieved_at"
        )
    )
    assert history[0][0] == "founder"
    assert history[0][1] is not None
    assert history[1] == ("responder", None)
    with pytest.raises(DomainError) as err:
        services.assign_role(incident=incident, actor=founder_actor, role="pilot", user=founder)
    assert err.value.field == "role"


def test_milestone_edit_is_on_the_timeline_and_moves_met_time(
    declare: Callable[..., Incident], system: Actor
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        incident = declare("SEV-1")
    with time_machine.travel(MONDAY_10 + dt.timedelta(minutes=30), tick=False):
        services.acknowledge_incident(incident=incident, actor=system)
        services.update_incident_details(
            incident=incident,
            actor=system,
            changes={
                "acknowledged_at": MONDAY_10 + dt.timedelta(minutes=10),
                "summary": "Root: disk",
            },
        )
        with pytest.raises(DomainError) as err:
            services.update_incident_details(
                incident=incident,
                actor=system,
                changes={"mitigated_at": MONDAY_10 + dt.timedelta(days=1)},
            )
        assert err.value.field == "mitigated_at"
    ack = _deadline(incident, DeadlineKind.ACKNOWLEDGE)
    assert ack.met_at == MONDAY_10 + dt.timedelta(minutes=10)
    assert not ack.is_missed(MONDAY_10 + dt.timedelta(hours=1))
    assert incident.timeline.filter(kind=TimelineKind.MILESTONE).count() == 1
    assert incident.timeline.filter(kind=TimelineKind.FIELDS_CHANGED).count() == 1


def test_comms_sent_meets_that_channel_only(
    declare: Callable[..., Incident], system: Actor
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        incident = declare("SEV-1")
    with time_machine.travel(MONDAY_10 + dt.timedelta(minutes=30), tick=False):
        services.record_comms_sent(
            incident=incident, actor=system, channel="status_page", summary="Investigating"
        )
    assert _deadline(incident, DeadlineKind.COMMS, "status_page").met_at is not None
    assert _deadline(incident, DeadlineKind.COMMS, "email").met_at is None


def test_timeline_is_in_order_and_complete_for_a_full_run(
    declare: Callable[..., Incident], system: Actor
) -> None:
    incident = declare("SEV-2")
    services.acknowledge_incident(incident=incident, actor=system)
    services.post_status_update(
        incident=incident, actor=system, status="monitoring", message="Fix deployed"
    )
    services.add_note(incident=incident, actor=system, text="Customers confirm")
    services.resolve_incident(incident=incident, actor=system)
    kinds = list(incident.timeline.order_by("at", "id").values_list("kind", flat=True))
    assert kinds[0] == TimelineKind.DECLARED
    for kind in (
        TimelineKind.ACKNOWLEDGED,
        TimelineKind.STATUS_UPDATE,
        TimelineKind.MITIGATED,
        TimelineKind.NOTE,
        TimelineKind.RESOLVED,
    ):
        assert kind in kinds


def test_affected_services_are_edited_on_the_timeline(
    declare: Callable[..., Incident], system: Actor
) -> None:
    from incidents.models import Service

    api = Service.objects.create(name="API", slug="api")
    web = Service.objects.create(name="Web", slug="web")
    incident = declare(services=[api])
    services.update_incident_details(
        incident=incident, actor=system, changes={"services": [api, web]}
    )
    assert sorted(incident.services.values_list("slug", flat=True)) == ["api", "web"]
    entry = incident.timeline.get(kind=TimelineKind.FIELDS_CHANGED)
    assert entry.data == {"services": [["api"], ["api", "web"]]}
