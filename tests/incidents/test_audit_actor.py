"""Issue 11: the audit log names the actor the services were given, at every door, and
state changes written with `QuerySet.update()` leave their entry too."""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.choices import DeadlineKind, IncidentRole
from incidents.models import Deadline, Incident, IncidentRoleAssignment, TimelineEntry
from incidents.services import (
    acknowledge_incident,
    assign_role,
    cancel_incident,
    declare_incident,
    relieve_role,
    resolve_incident,
)
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from tests.incidents.admin_pages import view_url
from tests.incidents.api_paths import incident_url


def _audit_actors(incident: Incident, action: str = "update") -> set[str]:
    return set(
        AuditEntry.objects.filter(
            object_type="incidents.incident", object_id=str(incident.pk), action=action
        ).values_list("actor_label", flat=True)
    )


def _timeline_actor(incident: Incident, kind: str) -> str:
    return TimelineEntry.objects.filter(incident=incident, kind=kind).latest("id").actor_label


def test_admin_door_audits_the_admin_user(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    admin_client.post(view_url("acknowledge", incident))
    user = admin_client.session["_auth_user_id"]
    label = _timeline_actor(incident, "acknowledged")
    assert label != "anonymous"
    assert _audit_actors(incident) == {label}
    assert set(
        AuditEntry.objects.filter(actor_label=label).values_list("actor_user_id", flat=True)
    ) == {int(user)}


def test_api_door_audits_the_token(api: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    assert api.post(incident_url(incident.ref, "acknowledge")).status_code == 200
    assert _timeline_actor(incident, "acknowledged") == "founder (token test)"
    assert _audit_actors(incident) == {"founder (token test)"}
    entry = AuditEntry.objects.filter(object_type="incidents.incident", action="update").latest(
        "id"
    )
    assert entry.actor_token_id is not None


def test_cli_door_audits_the_as_user(policy: Any, founder: Any) -> None:
    baseline = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    call_command(
        "incident",
        "--as",
        "founder",
        "open",
        "--sev",
        "2",
        "--summary",
        "Disk full",
        stdout=io.StringIO(),
    )
    incident = Incident.objects.get()
    assert _timeline_actor(incident, "declared") == "founder"
    assert _audit_actors(incident, "create") == {"founder"}
    # Everything the declaration wrote is the founder's; the paging it started is the engine's.
    written = set(
        AuditEntry.objects.filter(id__gt=baseline, object_type__startswith="incidents.")
        .exclude(actor_label="escalation")
        .values_list("actor_label", flat=True)
    )
    assert written == {"founder"}


def test_scheduled_sweep_audits_the_sweeper(declare: Any) -> None:
    import datetime

    import time_machine

    from incidents.missed_deadlines import record_missed_deadlines

    incident = declare("SEV-1")
    with time_machine.travel(incident.declared_at + datetime.timedelta(days=3), tick=False):
        assert record_missed_deadlines() > 0
    entry = AuditEntry.objects.filter(
        object_type="incidents.deadline", action="update", after__has_key="missed_recorded_at"
    ).first()
    assert entry is not None
    assert entry.actor_label == "sweeper"
    assert _timeline_actor(incident, "deadline_missed") == "sweeper"


def test_declaring_writes_every_row_with_the_declaring_actor(policy: Any, founder: Any) -> None:
    incident = declare_incident(actor=Actor.for_user(founder), title="Login down", severity="SEV-1")
    labels = set(AuditEntry.objects.values_list("object_type", "actor_label"))
    assert ("incidents.incident", "founder") in labels
    assert ("incidents.timelineentry", "founder") in labels
    assert ("incidents.deadline", "founder") in labels
    assert ("incidents.incidentroleassignment", "founder") in labels
    assert {a for t, a in labels if t.startswith("incidents.")} - {"test", "escalation"} == {
        "founder"
    }
    created = AuditEntry.objects.get(object_type="incidents.incident", action="create")
    assert created.after is not None
    assert created.after["commander_id"] == founder.pk
    assert created.after["ref"] == incident.ref


def test_declaring_runs_at_most_forty_queries(
    policy: Any, founder: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from incidents.oncall.models import Page
    from incidents.oncall.services import run_first_step

    declare_incident(actor=Actor.for_user(founder), title="Warm-up", severity="SEV-1")
    with (
        django_capture_on_commit_callbacks() as after_commit,
        CaptureQueriesContext(connection) as declaring,
    ):
        incident = declare_incident(
            actor=Actor.for_user(founder), title="Login down", severity="SEV-1"
        )
    # The declaring transaction: its rows, the reference, the audit entries, the hooks.
    declared = [q["sql"][:90] for q in declaring.captured_queries]
    assert len(declared) <= 20, declared
    # The first escalation step runs once the declaration has committed, in a transaction
    # of its own (it is not counted above): with it, the whole is at most 40, page included.
    assert not Page.objects.filter(incident=incident).exists()
    [first_step] = [c for c in after_commit if getattr(c, "func", None) is run_first_step]
    with CaptureQueriesContext(connection) as paging:
        first_step()
    assert Page.objects.filter(incident=incident).count() == 1
    paged = [q["sql"][:90] for q in paging.captured_queries]
    assert len(declared) + len(paged) <= 40, (declared, paged)


# --- former QuerySet.update() state changes: each has its entry with actor, before, after


def test_commander_change_relieves_the_previous_one_with_an_entry(
    declare: Any, founder: Any, responder: Any
) -> None:
    incident = declare("SEV-2", actor=Actor.for_user(founder))
    actor = Actor.for_user(responder)
    assign_role(incident=incident, actor=actor, role=IncidentRole.COMMANDER, user=responder)
    relieved = IncidentRoleAssignment.objects.get(user=founder)
    entry = AuditEntry.objects.get(
        object_type="incidents.incidentroleassignment", object_id=str(relieved.pk), action="update"
    )
    assert entry.actor_label == "responder"
    assert entry.before == {"relieved_at": None}
    assert entry.after is not None
    assert entry.after["relieved_at"] is not None
    change = AuditEntry.objects.filter(
        object_type="incidents.incident", action="update", actor_label="responder"
    ).get()
    assert change.before == {"commander_id": founder.pk}
    assert change.after == {"commander_id": responder.pk}


def test_relieving_a_role_has_an_entry(declare: Any, founder: Any) -> None:
    incident = declare("SEV-2", actor=Actor.for_user(founder))
    relieve_role(
        incident=incident, actor=Actor.system("ops"), role=IncidentRole.COMMANDER, user=founder
    )
    entries = AuditEntry.objects.filter(actor_label="ops", action="update")
    assert {e.object_type for e in entries} == {
        "incidents.incidentroleassignment",
        "incidents.incident",
    }
    change = entries.get(object_type="incidents.incident")
    assert change.before == {"commander_id": founder.pk}
    assert change.after == {"commander_id": None}


def test_deadlines_met_and_superseded_have_entries(declare: Any) -> None:
    incident = declare("SEV-1")
    acknowledge_incident(incident=incident, actor=Actor.system("ack-er"))
    ack = Deadline.objects.get(incident=incident, kind=DeadlineKind.ACKNOWLEDGE)
    met = AuditEntry.objects.get(
        object_type="incidents.deadline", object_id=str(ack.pk), action="update"
    )
    assert met.actor_label == "ack-er"
    assert met.before == {"met_at": None}
    assert met.after is not None
    assert met.after["met_at"] is not None
    resolve_incident(incident=incident, actor=Actor.system("resolver"))
    assert AuditEntry.objects.filter(
        object_type="incidents.deadline", actor_label="resolver", after__has_key="met_at"
    ).exists()
    other = declare("SEV-1")
    cancel_incident(incident=other, actor=Actor.system("canceller"), reason="false alarm")
    superseded = AuditEntry.objects.filter(
        object_type="incidents.deadline",
        actor_label="canceller",
        action="update",
        after__has_key="superseded_at",
    )
    assert superseded.exists()
    assert {"superseded_at": None} in [e.before for e in superseded]


def test_the_retired_policy_version_has_an_entry(policy: Any, load_policy: Any) -> None:
    newer = load_policy("rotation-small-team")
    entry = AuditEntry.objects.get(
        object_type="incidents.policyversion",
        object_id=str(policy.pk),
        action="update",
        after__status="retired",
    )
    assert entry.before == {"status": "active"}
    assert entry.after == {"status": "retired"}
    assert entry.actor_label == "test"
    assert newer.status == "active"


def test_page_acknowledgement_and_escalation_state_have_entries(
    founder: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from incidents.oncall.models import Escalation, Page
    from incidents.oncall.services import ack_token, acknowledge_by_link
    from incidents.policies import load_preset

    load_preset("founder-24x7", actor=Actor.system("test"))
    with django_capture_on_commit_callbacks(execute=True):  # the first step runs after commit
        incident = declare_incident(
            actor=Actor.system("monitor"), title="DB down", severity="SEV-1"
        )
    page = Page.objects.filter(incident=incident).first()
    assert page is not None, "founder-24x7 pages the founder at once for SEV-1"
    created = AuditEntry.objects.get(
        object_type="oncall.page", object_id=str(page.pk), action="create"
    )
    assert created.actor_label == "escalation"
    acknowledge_by_link(token=ack_token(page))
    page_entries = AuditEntry.objects.filter(
        object_type="oncall.page", object_id=str(page.pk), action="update"
    )
    assert {e.actor_label for e in page_entries} == {page.user.get_username()}
    assert {"acknowledged_at": None} in [e.before for e in page_entries]
    escalation = Escalation.objects.get(incident=incident)
    stopped = AuditEntry.objects.filter(
        object_type="oncall.escalation", object_id=str(escalation.pk), action="update"
    ).latest("id")
    assert stopped.actor_label == page.user.get_username()
    assert stopped.after is not None
    assert stopped.after["status"] == "acknowledged"


def test_bulk_timeline_rows_have_entries(declare: Any) -> None:
    import datetime

    import time_machine

    from incidents.missed_deadlines import record_missed_deadlines

    incident = declare("SEV-1")
    with time_machine.travel(incident.declared_at + datetime.timedelta(days=3), tick=False):
        record_missed_deadlines()
    missed = TimelineEntry.objects.filter(incident=incident, kind="deadline_missed")
    assert missed.exists()
    audited = set(
        AuditEntry.objects.filter(
            object_type="incidents.timelineentry", actor_label="sweeper"
        ).values_list("object_id", flat=True)
    )
    assert {str(pk) for pk in missed.values_list("pk", flat=True)} <= audited
