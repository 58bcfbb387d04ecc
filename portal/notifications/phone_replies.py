"""What a phone's answer means: an SMS reply code ("42a", "42e"), a key pressed on a call,
a carrier's delivery status. The carriers' webhooks (`inbound_twilio.py`,
`inbound_telnyx.py`) are the doors; replies go on through `replies.receive` (on-call
decides what an acknowledgement does).

A code is the outbox message's id and a letter. It counts only when that message is a
page, was texted to the number that answers (as `phone_sms`, by either carrier: its
`provider_ref` names the carrier, and a page folded into a summary was never texted),
and is still wanted (its page and incident unacknowledged and open); anything else gets
a reply saying so and changes nothing. A repeated webhook finds the page answered and
changes nothing again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from portal.notifications import replies
from portal.notifications.choices import DeliveryState
from portal.notifications.models import OutboxMessage
from portal.notifications.providers import phone_call, phone_sms, telnyx_api, twilio_api
from portal.notifications.replies import Reply, ReplyKind

CODE = re.compile(r"^\s*(\d{1,12})\s*([AaEe])\s*[.!]?\s*$")
HELP = "Reply with the code from your page, e.g. 42a to acknowledge or 42e to escalate."

# Status callbacks: Twilio's message and call statuses, in provider-neutral words
# (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values).
MESSAGE_STATES = {
    "queued": DeliveryState.ACCEPTED,
    "accepted": DeliveryState.ACCEPTED,
    "scheduled": DeliveryState.ACCEPTED,
    "sending": DeliveryState.ACCEPTED,
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.DELIVERED,
    "undelivered": DeliveryState.UNDELIVERED,
    "failed": DeliveryState.FAILED,
    "canceled": DeliveryState.CANCELED,
}
CALL_STATES = {
    "queued": DeliveryState.ACCEPTED,
    "initiated": DeliveryState.ACCEPTED,
    "ringing": DeliveryState.RINGING,
    "in-progress": DeliveryState.ANSWERED,
    "completed": DeliveryState.COMPLETED,
    "busy": DeliveryState.BUSY,
    "no-answer": DeliveryState.NO_ANSWER,
    "failed": DeliveryState.FAILED,
    "canceled": DeliveryState.CANCELED,
}
# Telnyx's `to[0].status` in message.sent / message.finalized events
# (https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks): queued and
# sending are still at Telnyx; sending_failed never left it (failed at the carrier);
# delivery_failed is the phone network's "not delivered"; delivery_unconfirmed was sent
# and never confirmed, so "sent" is all that is known.
TELNYX_MESSAGE_STATES = {
    "queued": DeliveryState.ACCEPTED,
    "sending": DeliveryState.ACCEPTED,
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "sending_failed": DeliveryState.FAILED,
    "delivery_failed": DeliveryState.UNDELIVERED,
    "delivery_unconfirmed": DeliveryState.SENT,
}
# A state only moves forward: a late "sent" after "delivered" changes nothing, and a
# summarised message keeps saying so whatever its summary's carrier reports.
RANK = {
    "": 0,
    DeliveryState.ACCEPTED: 1,
    DeliveryState.SENT: 2,
    DeliveryState.RINGING: 2,
    DeliveryState.DELIVERED: 3,
    DeliveryState.ANSWERED: 3,
    DeliveryState.COMPLETED: 4,
    DeliveryState.UNDELIVERED: 4,
    DeliveryState.FAILED: 4,
    DeliveryState.BUSY: 4,
    DeliveryState.NO_ANSWER: 4,
    DeliveryState.CANCELED: 4,
    DeliveryState.SUMMARISED: 5,
}
REACHED = (DeliveryState.DELIVERED, DeliveryState.ANSWERED)


@dataclass(frozen=True)
class Answer:
    text: str
    changed: bool = False


def _sent_to(message: OutboxMessage, kind: str) -> str:
    """The number `message` went to as `kind`, or "" when it did not go out as that kind."""
    channel = message.channel
    if channel is not None:
        return channel.target if channel.kind == kind else ""
    return message.recipient if message.provider_kind == kind else ""


def _ref(message: OutboxMessage) -> str:
    return message.incident.ref if message.incident is not None else "the incident"


def _act(message: OutboxMessage, kind: str, via: str) -> Answer:
    ref = _ref(message)
    if not replies.still_wanted(message_id=message.pk):
        return Answer(f"{ref} needs no answer any more (acknowledged, resolved or closed). "
                      "Nothing was changed.")  # fmt: skip
    reply = Reply(kind, via=via, at=timezone.now())
    changed = replies.receive(message_id=message.pk, reply=reply)
    if kind == ReplyKind.ACKNOWLEDGED:
        if changed:
            return Answer(f"Acknowledged {ref}. Thank you.", changed=True)
        return Answer(f"{ref} was not acknowledged: it needs no answer any more.")
    return Answer(f"Escalation requested for {ref}.", changed=changed)


def _texted(message: OutboxMessage) -> bool:
    """A carrier took the message itself (not only a summary standing for it)."""
    return bool(phone_sms.carrier_label(message.provider_ref)) and (
        message.delivery_state != DeliveryState.SUMMARISED
    )


def answer_sms(*, from_number: str, text: str, carrier: str = twilio_api.CARRIER) -> Answer:
    """An SMS to the portal's number at `carrier` (Twilio, Telnyx): a reply code, or help."""
    match = CODE.match(text or "")
    if match is None:
        return Answer(f"Not a reply code. {HELP}")
    number, letter = int(match.group(1)), match.group(2).lower()
    code = f"{number}{letter}"
    message = (
        OutboxMessage.objects.select_related("channel", "incident")
        .filter(pk=number, kind="page")
        .first()
    )
    sender = phone_sms.normalise_number(from_number)
    if (
        message is None
        or not sender
        or phone_sms.normalise_number(_sent_to(message, phone_sms.KIND)) != sender
        or message.sent_at is None
        or not _texted(message)
    ):
        return Answer(f"Code {code} matches no page sent to this number. Nothing was changed.")
    kind = ReplyKind.ACKNOWLEDGED if letter == "a" else ReplyKind.ESCALATE
    return _act(message, kind, via=f"SMS ({phone_sms.CARRIERS.get(carrier, carrier)})")


def _call(call_sid: str) -> OutboxMessage | None:
    if not call_sid:
        return None
    return (
        OutboxMessage.objects.select_related("channel", "incident")
        .filter(provider_ref=f"twilio:{call_sid}", kind="page")
        .first()
    )


def answer_keypress(*, call_sid: str, digits: str) -> tuple[Answer, bool]:
    """A key pressed during a page's call: (what to say, whether to ask again)."""
    message = _call(call_sid)
    if message is None or not _sent_to(message, phone_call.KIND):
        return Answer("This call is not about a page. Nothing was changed."), False
    if digits == "1":
        return _act(message, ReplyKind.ACKNOWLEDGED, via="a phone call (Twilio)"), False
    if digits == "2":
        return _act(message, ReplyKind.ESCALATE, via="a phone call (Twilio)"), False
    return Answer("That key does nothing."), True


def _move(ref: str, state: DeliveryState, error: str) -> bool:
    """The delivery state of the message `ref` names moves forward to `state` (never back,
    never twice); `error` is kept when it failed. True when it changed."""
    lower = [s for s, rank in RANK.items() if rank < RANK[state]]
    changes: dict[str, object] = {"delivery_state": state}
    if state in REACHED:
        changes["delivered_at"] = timezone.now()
    if state in (DeliveryState.UNDELIVERED, DeliveryState.FAILED) and error:
        changes["last_error"] = error
    updated = OutboxMessage.objects.filter(
        Q(provider_ref=ref[:64]), delivery_state__in=lower
    ).update(**changes)
    return updated > 0


def record_status(*, sid: str, status: str, call: bool, error_code: str = "") -> bool:
    """A Twilio status callback: the message's delivery state moves forward (never back,
    never twice). True when it changed."""
    states = CALL_STATES if call else MESSAGE_STATES
    state = states.get(status.lower())
    if state is None or not sid:
        return False
    error = f"Twilio reported {state.label.lower()} (error {error_code[:10]})" if error_code else ""
    return _move(f"{twilio_api.CARRIER}:{sid}", state, error)


def record_telnyx_status(*, message_id: str, status: str, error_code: str = "") -> bool:
    """A Telnyx message.sent / message.finalized event about the message `message_id`:
    its delivery state moves forward as for Twilio's. True when it changed."""
    state = TELNYX_MESSAGE_STATES.get(status.lower())
    if state is None or not message_id:
        return False
    error = f"Telnyx reported {state.label.lower()} (error {error_code[:10]})" if error_code else ""
    return _move(f"{telnyx_api.CARRIER}:{message_id}", state, error)
