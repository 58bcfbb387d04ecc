"""Buttons (block_actions) and the update modal (view_submission), after the view
acknowledged them: the same incident services as the admin, as the mapped user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from incidents import services
from incidents.models import Incident
from incidents.slack import direct_messages, messages
from incidents.slack.commands import acting_user, respond
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


def _value(state: dict[str, Any], block: str) -> str:
    element = (state.get(block) or {}).get("value") or {}
    if element.get("type") == "static_select":
        return str((element.get("selected_option") or {}).get("value", ""))
    return str(element.get("value") or "")


def run_interaction(payload: dict[str, Any]) -> str:
    if payload.get("type") == "view_submission":
        return _submit_update(payload)
    actions = payload.get("actions") or []
    if not actions:
        return "nothing to do"
    action = actions[0]
    action_id, ref = action.get("action_id", ""), str(action.get("value", ""))
    if action_id == direct_messages.ACK_ACTION:
        # A person's own page DM: answered as the page's person, not a mapped user.
        return respond(payload, direct_messages.acknowledge_from_slack(payload, ref))
    if action_id not in (messages.ACK_ACTION, messages.RESOLVE_ACTION):
        return "ignored"
    user, refusal = acting_user(payload, "incidents.change_incident")
    if user is None:
        return respond(payload, refusal)
    incident = Incident.objects.filter(ref=ref).first()
    if incident is None:
        return respond(payload, f"No incident {ref}.")
    actor = Actor.for_user(user)
    try:
        if action_id == messages.ACK_ACTION:
            services.acknowledge_incident(incident=incident, actor=actor)
            text = f"{ref} acknowledged: you are on it."
        else:
            services.resolve_incident(incident=incident, actor=actor)
            text = f"{ref} resolved."
    except DomainError as exc:
        text = f"Refused: {exc}"
        if exc.field == "unmet_comms_reason":
            # A button has no field for the reason: the slash command takes it.
            text += (
                f' To resolve anyway: /incident resolve {ref} --reason "why they will not be sent".'
            )
    return respond(payload, text)


# The modal's blocks, by the service field a refusal names (the message block otherwise).
_BLOCK_OF_FIELD = {"status": "status", "message": "message", "next_steps": "next_steps"}


@dataclass(frozen=True)
class Submission:
    """What became of a modal submission: posted, or refused with the block to mark."""

    ok: bool
    text: str
    block: str = "message"


def submit_update(payload: dict[str, Any]) -> Submission:
    """Post the update modal's status update as the mapped user. Run in the request
    (views.interactions), so that a refusal is shown in the modal, on its field
    (`response_action: errors`), instead of the modal closing on it."""
    view = payload.get("view") or {}
    ref = str(view.get("private_metadata", ""))
    user, refusal = acting_user(payload, "incidents.change_incident")
    if user is None:
        return Submission(False, refusal)
    incident = Incident.objects.filter(ref=ref).first()
    if incident is None:
        return Submission(False, f"No incident {ref}.")
    state = (view.get("state") or {}).get("values") or {}
    try:
        services.post_status_update(
            incident=incident,
            actor=Actor.for_user(user),
            status=_value(state, "status") or incident.status,
            message=_value(state, "message"),
            next_steps=_value(state, "next_steps"),
        )
    except DomainError as exc:
        return Submission(False, exc.message, _BLOCK_OF_FIELD.get(exc.field or "", "message"))
    return Submission(True, f"{ref}: update posted.")


def _submit_update(payload: dict[str, Any]) -> str:
    result = submit_update(payload)
    return result.text if result.ok else f"Refused: {result.text}"
