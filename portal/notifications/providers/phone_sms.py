"""Kind `phone_sms`: a text message to a phone number, through Twilio, or Telnyx when
Twilio refuses or cannot be reached (failover).

A page says what it is and how to answer in one GSM-7 segment where it can:
"PAGE SEV-1 INC-07: Checkout down. Reply 42a to acknowledge, 42e to escalate." — 42 is
the outbox message's id, so a code needs no table of its own; the reply comes back to
the carrier that carried the page, Twilio's inbound webhook
(`portal.notifications.inbound_twilio`) or Telnyx's (`inbound_telnyx`), and
`phone_replies` checks that the code was texted to the number that answers.

The portal's answer to a reply Telnyx took is a message of its own (kind "sms_reply",
written by `services.enqueue_sms_reply`): it goes through the carrier the person texted
first (its `data["carrier"]`, from the number they texted, `data["telnyx_from"]`), the
other carrier if that one fails, and is never held back or folded by the per-number
limit (it answers the person's own text).

At most `PHONE_MAX_PER_MINUTE` texts go to one number in any minute (counted over the
outbox, whichever carrier took them): the first message over the limit is replaced by
one summary ("+14 more messages not texted …"), the rest of that minute's are not
texted; each of them is marked sent with the delivery state "summarised", never dropped
silently. Concurrent workers may each pass the count: the limit can be exceeded by the
number of workers sending to one phone at the same instant.

The message's `provider_ref` names the carrier that took it: "twilio:SM…" or
"telnyx:<uuid>" (`carrier_label` turns it into a word for the incident page).
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portal.notifications.choices import DeliveryState, OutboxStatus
from portal.notifications.providers import DeliveryError, Provider, Sent, telnyx_api, twilio_api

logger = logging.getLogger("portal.notifications")

KIND = "phone_sms"
REPLY_KIND = "sms_reply"
CARRIERS = {twilio_api.CARRIER: twilio_api.LABEL, telnyx_api.CARRIER: telnyx_api.LABEL}
SEGMENT = 160  # GSM-7 characters in one SMS
LONGEST = 1600  # Twilio's limit for a message body
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")

# GSM 03.38: the basic set (one septet each) and the extension table (two: escape + char).
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = "^{}\\[~]|€"
LOOKALIKES = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\t": " "}


def carrier_label(provider_ref: str) -> str:
    """ "twilio:SM…" → "Twilio", "telnyx:…" → "Telnyx"; "" for any other reference."""
    carrier, sep, _ = (provider_ref or "").partition(":")
    return CARRIERS.get(carrier, "") if sep else ""


def normalise_number(number: str) -> str:
    """ "+1 (555) 123-0001" → "+15551230001": how numbers are compared."""
    number = (number or "").strip()
    digits = re.sub(r"[^0-9]", "", number)
    return f"+{digits}" if number.startswith("+") else digits


def gsm(text: str) -> str:
    """The text in GSM-7 (accents dropped where GSM has no such letter, other characters
    as "?"), so a page is one 160-character segment rather than a 70-character UCS-2 one."""
    out = []
    for char in text:
        char = LOOKALIKES.get(char, char)
        if char in GSM_BASIC or char in GSM_EXTENDED or len(char) > 1:
            out.append(char)
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if c in GSM_BASIC)
        out.append(plain or "?")
    return "".join(out)


def gsm_length(text: str) -> int:
    return sum(2 if char in GSM_EXTENDED else 1 for char in text)


def _cut(text: str, room: int) -> str:
    if gsm_length(text) <= room:
        return text
    out = ""
    for char in text:
        if gsm_length(out + char) > room - 3:
            break
        out += char
    return out.rstrip() + "..."


def sms_text(message: Any) -> str:
    """A page: its subject, cut to fit, then the reply codes; anything else: subject and body."""
    subject = gsm(" ".join(str(message.subject).split()))
    if message.kind == "page":
        codes = f" Reply {message.pk}a to acknowledge, {message.pk}e to escalate."
        head = _cut(subject, SEGMENT - 1 - gsm_length(codes))
        return head + ("" if head.endswith((".", "!", "?")) else ".") + codes
    body = gsm(str(message.body or "")).strip()
    text = f"{subject}\n{body}" if body and body != subject else subject
    return _cut(text, LONGEST)


def status_callback_url() -> str:
    return f"{settings.PORTAL_BASE_URL}{reverse('notify:twilio-status')}"


def telnyx_webhook_url() -> str:
    """Where Telnyx sends a message's events; "" while TELNYX_PUBLIC_KEY is unset (the
    portal would refuse them all)."""
    if not settings.TELNYX_PUBLIC_KEY:
        return ""
    return f"{settings.PORTAL_BASE_URL}{reverse('notify:telnyx')}"


def send_text(*, to: str, body: str, first: str = twilio_api.CARRIER, telnyx_from: str = "") -> str:
    """Through the carrier `first` (Twilio unless told), else the other one; returns
    "carrier:id" or raises DeliveryError naming both carriers' errors."""
    senders = {
        twilio_api.CARRIER: lambda: twilio_api.send_sms(
            to=to, body=body, status_callback=status_callback_url()
        ),
        telnyx_api.CARRIER: lambda: telnyx_api.send_sms(
            to=to, body=body, from_number=telnyx_from, webhook_url=telnyx_webhook_url()
        ),
    }
    order = sorted(senders, key=lambda carrier: carrier != first)
    errors: list[str] = []
    for carrier in order:
        try:
            ref = f"{carrier}:" + senders[carrier]()
        except DeliveryError as exc:
            errors.append(str(exc))
            continue
        if errors:
            logger.warning("SMS to %s went through %s: %s", to[-4:], CARRIERS[carrier], errors[0])
        return ref
    raise DeliveryError("; ".join(errors))


# --- Per-number limit ------------------------------------------------------------------


def _to_number(number: str) -> Q:
    return Q(channel__isnull=True, provider_kind=KIND, recipient=number) | Q(
        channel__kind=KIND, channel__target=number
    )


def _mark(message: Any, state: str) -> None:
    from portal.notifications.models import OutboxMessage

    OutboxMessage.objects.filter(pk=message.pk, delivery_state="").update(delivery_state=state)


def _summary(number: str, limit: int) -> str:
    """The one text that stands for the messages over the limit (this one included)."""
    from portal.notifications.models import OutboxMessage

    due = Q(status=OutboxStatus.SENDING) | Q(
        status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
    )
    waiting = (
        OutboxMessage.objects.filter(_to_number(number), due)
        .exclude(delivery_state=DeliveryState.SUMMARISED)
        .exclude(kind=REPLY_KIND)
        .count()
    )
    count = max(waiting, 1)
    return (
        f"+{count} more message{'s' if count != 1 else ''} not texted (over {limit} a minute "
        f"to this phone). Open the portal: {settings.PORTAL_BASE_URL}/admin/"
    )


def _reply(message: Any, target: str) -> Sent:
    """The portal's answer to the person's text, through the carrier they texted."""
    data = message.data if isinstance(message.data, dict) else {}
    first = str(data.get("carrier") or "")
    ref = send_text(
        to=target,
        body=sms_text(message),
        first=first if first in CARRIERS else twilio_api.CARRIER,
        telnyx_from=str(data.get("telnyx_from") or ""),
    )
    _mark(message, DeliveryState.ACCEPTED)
    return Sent(ref=ref)


def _send(message: Any, target: str) -> Sent:
    from portal.notifications.models import OutboxMessage

    if message.kind == REPLY_KIND:
        return _reply(message, target)
    limit = max(1, int(settings.PHONE_MAX_PER_MINUTE))
    since = timezone.now() - datetime.timedelta(minutes=1)
    recent = OutboxMessage.objects.filter(
        _to_number(target), status=OutboxStatus.SENT, sent_at__gte=since
    ).exclude(pk=message.pk)
    texted = recent.exclude(delivery_state=DeliveryState.SUMMARISED).count()
    if texted < limit:
        ref = send_text(to=target, body=sms_text(message))
        _mark(message, DeliveryState.ACCEPTED)
        return Sent(ref=ref)
    summarised = recent.filter(delivery_state=DeliveryState.SUMMARISED).exclude(provider_ref="")
    if summarised.exists():
        # This minute's summary went out already: nothing more is texted to this phone.
        _mark(message, DeliveryState.SUMMARISED)
        return Sent(ref="")
    ref = send_text(to=target, body=_summary(target, limit))
    _mark(message, DeliveryState.SUMMARISED)
    return Sent(ref=ref)


def check_phone_number(target: str) -> str:
    """What is wrong with `target` as a phone number ("" when nothing); SMS and voice."""
    if not E164.match(target or ""):
        return "a phone number in E.164 form, e.g. +15551230001"
    return ""


PROVIDERS = (
    Provider(
        kind=KIND,
        label="SMS to a phone (Twilio, Telnyx as failover; reply codes acknowledge)",
        position=60,
        target_help="+15551230001 (E.164)",
        send=_send,
        check=check_phone_number,
    ),
)
