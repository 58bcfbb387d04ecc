"""Kind `phone_call`: a voice call through Twilio (`Calls.json`) that reads the page and
asks for one key: 1 acknowledges, 2 asks to escalate.

The call's TwiML goes inline (`Twiml=`): `<Gather numDigits="1" action=…>` around the
spoken page, said twice, then goodbye. The key pressed comes back to the Gather's
`action`, the portal's `/notify/twilio/voice/` webhook, with the call's SID, which is the
message's `provider_ref` ("twilio:CA…"); no polling (`follow_up` is False). Call status
callbacks (`/notify/twilio/status/`) record ringing, answered, busy, no-answer…

There is no second carrier for calls: when Twilio refuses, the send fails and the
outbox retries (the person's next contact method is on-call's business).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.urls import reverse
from twilio.twiml.voice_response import VoiceResponse

from portal.notifications.providers import Provider, Sent, twilio_api
from portal.notifications.providers.phone_sms import check_phone_number, status_callback_url

KIND = "phone_call"
PROMPT = "Press 1 to acknowledge. Press 2 to escalate."
URL = re.compile(r"https?://\S+")


def gather_url() -> str:
    return f"{settings.PORTAL_BASE_URL}{reverse('notify:twilio-voice')}"


def spoken(message: Any) -> str:
    """What the call says: the subject, read as words (no links)."""
    if message.kind == "page":
        return f"This is the incident portal. {message.subject}."
    body = URL.sub("", str(message.body or "")).strip()
    return f"This is the incident portal. {message.subject}. {body}".strip()


def page_twiml(text: str, *, ask: bool = True) -> str:
    """The call's TwiML: the text (and, for a page, the prompt) inside a one-key Gather,
    twice; then goodbye."""
    response = VoiceResponse()
    for _ in range(2):
        if ask:
            gather = response.gather(num_digits=1, action=gather_url(), method="POST", timeout=8)
            gather.say(f"{text} {PROMPT}")
        else:
            response.say(text)
    response.say("Goodbye.")
    response.hangup()
    return str(response)


def _send(message: Any, target: str) -> Sent:
    twiml = page_twiml(spoken(message), ask=message.kind == "page")
    sid = twilio_api.place_call(to=target, twiml=twiml, status_callback=status_callback_url())
    return Sent(ref=f"{twilio_api.CARRIER}:{sid}")


PROVIDERS = (
    Provider(
        kind=KIND,
        label="Voice call to a phone (Twilio; press 1 to acknowledge)",
        position=61,
        target_help="+15551230001 (E.164)",
        send=_send,
        check=check_phone_number,
    ),
)
