"""Issue 26, must show: "every template of every preset fills with no blank when the
incident's and post-mortem's fields are filled". Seen: `{fix}` and `{prevention}` (000's
SEV-1 customer e-mail), `{fix}` and `{postmortem_link}` (001's Resolution) had no source,
so every send was refused until "send with blanks" published "Fix: ."."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.comms.models import CommsTemplate
from incidents.comms.placeholders import blank_placeholders, incident_values
from incidents.services import declare_incident, post_status_update, resolve_incident
from portal.kernel.actors import Actor

pytestmark = pytest.mark.django_db

PRESETS = ["founder-24x7", "rotation-small-team", "ops-platform", "follow-the-sun", "s-levels"]


@pytest.mark.parametrize("preset", PRESETS)
def test_every_template_of_the_preset_fills_with_no_blank(
    preset: str, load_policy: Any, founder: Any
) -> None:
    from postmortems.models import PostMortem

    version = load_policy(preset)
    actor = Actor.system("test")
    worst = version.levels.order_by("rank").first()
    assert worst is not None
    incident = declare_incident(
        actor=actor,
        title="pg replica lag on api-db-2",
        severity=worst.code,
        what_is_broken="card payments at checkout",
        customer_impact="failed payments and error pages",
        public_title="Card payments failing",
        commander=founder,
    )
    post_status_update(
        incident=incident,
        actor=actor,
        status="identified",
        message="A database replica fell behind.",
        next_steps="Failing over to a healthy replica.",
        eta="30 minutes",
        public=True,
    )
    incident.customer_fix = "we moved payments to a healthy database replica"
    incident.customer_prevention = "replica lag now pages us before customers notice"
    incident.save(update_fields=["customer_fix", "customer_prevention"])
    resolve_incident(incident=incident, actor=actor, unmet_comms_reason="test")
    incident.refresh_from_db()
    postmortem = PostMortem.objects.filter(incident=incident).first()
    if postmortem is not None:
        postmortem.summary = "payments failed for 40 minutes"
        postmortem.root_cause = "a replica fell behind its primary"
        postmortem.customer_impact_summary = "about a third of card payments failed"
        postmortem.save()
    templates = list(CommsTemplate.objects.filter(policy_version=version))
    assert templates, preset
    for template in templates:
        internal = template.audience == "internal"
        values = incident_values(incident, internal=internal)
        if postmortem is None:
            # Levels without a post-mortem: the link is the only value that cannot exist.
            values["postmortem_link"] = values["postmortem_link"] or "(no post-mortem)"
        if not worst.war_room_required:
            values["channel"] = values["channel"] or "(no war room at this level)"
        for text in (template.subject, template.body):
            assert blank_placeholders(text, values) == [], (preset, template.key, text)
