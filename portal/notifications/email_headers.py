"""The headers of the portal's outgoing email, decided from the outbox row alone.

- `Auto-Submitted: auto-generated` (RFC 3834 §5) on machine mail: pages, deadline
  reminders, subscription confirmations… so that vacation responders and ticket
  systems do not answer them. Text a person wrote for this message (comms kinds in
  `HUMAN_WRITTEN_KINDS`) is not marked: replies to it are wanted.
- `List-Unsubscribe` + `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058)
  when the sender put a one-click unsubscribe URL in the row's `data`
  (`LIST_UNSUBSCRIBE_KEY`); that URL unsubscribes on a POST without cookies or tokens.
- `Reply-To`: `CUSTOMER_REPLY_TO` on customer mail, when set (customer templates say
  "reply to this email").
"""

from __future__ import annotations

from django.conf import settings

from portal.notifications.choices import Audience
from portal.notifications.models import OutboxMessage

LIST_UNSUBSCRIBE_KEY = "list_unsubscribe"
HUMAN_WRITTEN_KINDS = frozenset({"comms_customer", "comms_internal"})


def email_headers(message: OutboxMessage) -> dict[str, str]:
    headers: dict[str, str] = {}
    if message.kind not in HUMAN_WRITTEN_KINDS:
        headers["Auto-Submitted"] = "auto-generated"
    unsubscribe = (message.data or {}).get(LIST_UNSUBSCRIBE_KEY)
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def reply_to(message: OutboxMessage) -> list[str]:
    address: str = settings.CUSTOMER_REPLY_TO
    return [address] if address and message.audience == Audience.CUSTOMER else []
