"""Each preset brings its playbook's templates, verbatim where the playbook has them."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import time_machine
from django.contrib.auth.models import User

from incidents.comms.models import CommsTemplate
from incidents.comms.placeholders import fill, incident_values
from incidents.comms.selectors import templates_for_incident
from incidents.models import PolicyVersion
from portal.kernel.actors import Actor


def test_founder_preset_brings_the_playbook_status_page_text_verbatim(
    policy: PolicyVersion,
) -> None:
    template = CommsTemplate.objects.get(policy_version=policy, key="status-page-investigating")
    assert template.body == (
        "[INVESTIGATING] {start_time} — We're investigating reports of {what_is_broken}. "
        "Customers may experience {impact}. We'll post the next update at {next_update_at}."
    )
    email = CommsTemplate.objects.get(policy_version=policy, kind="customer_email")
    assert email.subject == "Service incident on {date} — your data is safe"
    assert "I read every one.\n— Lakshmi" in email.body
    # The kinds the playbook leaves out come from the portal defaults.
    kinds = set(CommsTemplate.objects.filter(policy_version=policy).values_list("kind", flat=True))
    assert {
        "status_page_identified",
        "status_page_resolved",
        "banner",
        "internal_announcement",
    } <= kinds


def test_loading_a_preset_twice_keeps_one_set_of_templates(
    load_policy: Callable[..., PolicyVersion],
) -> None:
    version = load_policy("founder-24x7")
    before = CommsTemplate.objects.filter(policy_version=version).count()
    again = load_policy("founder-24x7")
    assert again.pk == version.pk
    assert CommsTemplate.objects.filter(policy_version=version).count() == before == 9


def test_s_levels_ops_post_renders_like_the_playbook_example(
    load_policy: Callable[..., PolicyVersion], system: Actor
) -> None:
    from incidents.services import declare_incident

    load_policy("s-levels")
    incident = declare_incident(actor=system, title="Backend DB unreachable", severity="S1")
    template = templates_for_incident(incident).get(kind="internal_announcement")
    assert fill(template.body, incident_values(incident, internal=True)) == (
        "[INCIDENT] S1 - Backend DB unreachable on production. Investigating."
    )


def test_rotation_small_team_announcement(
    load_policy: Callable[..., PolicyVersion], system: Actor, founder: User
) -> None:
    from incidents.services import declare_incident

    load_policy("rotation-small-team")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False):
        incident = declare_incident(
            actor=system,
            title="API down",
            severity="SEV-1",
            commander=founder,
            summary="All API calls fail",
        )
        text = fill(
            templates_for_incident(incident).get(kind="internal_announcement").body,
            incident_values(incident, internal=True),
        )
    assert text == (
        "🚨 SEV-1: API down\nStatus: Investigating\nImpact: All API calls fail\n"
        "Incident Commander: @founder\nChannel: #incident-2026-03-02-api-down"
    )


def test_every_preset_loads_valid_templates(load_policy: Callable[..., PolicyVersion]) -> None:
    for name in (
        "founder-24x7",
        "rotation-small-team",
        "ops-platform",
        "follow-the-sun",
        "s-levels",
    ):
        version = load_policy(name)
        assert CommsTemplate.objects.filter(policy_version=version).count() == 9, name
