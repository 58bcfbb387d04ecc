"""Post-mortem writes. Every door (admin, API, CLI, tasks, the resolve hook) calls these.

Contract: keyword-only, `actor` given, atomic; the post-mortem row is locked before it
changes; state changes write a line on the incident timeline. A published post-mortem
is read-only: edits are refused until `start_revision` returns it to draft.
"""

from postmortems.services.action_items import (
    ACTION_ITEM_FIELDS,
    create_action_item,
    update_action_item,
)
from postmortems.services.drafting import (
    PLACEHOLDER,
    add_timeline_entry,
    create_postmortem,
    on_incident_resolved,
    update_postmortem,
)
from postmortems.services.publishing import (
    Problem,
    located_problems,
    publish_postmortem,
    publish_problems,
    start_revision,
    submit_for_review,
)
from postmortems.services.risk_review import (
    create_risk_review,
    sign_off_risk_review,
    update_risk_review_notes,
)

__all__ = [
    "ACTION_ITEM_FIELDS",
    "PLACEHOLDER",
    "Problem",
    "add_timeline_entry",
    "create_action_item",
    "create_postmortem",
    "create_risk_review",
    "located_problems",
    "on_incident_resolved",
    "publish_postmortem",
    "publish_problems",
    "sign_off_risk_review",
    "start_revision",
    "submit_for_review",
    "update_action_item",
    "update_postmortem",
    "update_risk_review_notes",
]
