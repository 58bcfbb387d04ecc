"""Telnyx's Messaging API v2 through the official `telnyx` library: the second SMS carrier,
used when Twilio refuses or cannot be reached (`phone_sms`), and the check of the
signature on Telnyx's webhooks (`inbound_telnyx`).

Reference: https://developers.telnyx.com/docs/messaging/messages/send-message
(`POST /v2/messages` with `from`, `to`, `text` and, optionally, `webhook_url` for that
message's events; answered `{"data": {"id": …, "to": [{"phone_number", "status":
"queued"}], …}}`), errors as `{"errors": [{"code", "title", "detail"}]}`
(https://developers.telnyx.com/development/api-fundamentals/api-errors).

Webhooks (https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks,
"Verify webhook signatures"; https://developers.telnyx.com/docs/development/sdk/python/webhooks):
Telnyx signs each with Ed25519, the base64 signature of "{telnyx-timestamp}|{raw body}" in
`telnyx-signature-ed25519` and the Unix time in `telnyx-timestamp`, checked against the
account's public key (TELNYX_PUBLIC_KEY, base64). The check is the library's own,
`telnyx.lib.webhook_verification.verify_webhook_signature` (PyNaCl, the
`telnyx[webhooks]` extra): signature and key sizes, the signature over the exact body,
and a timestamp within 5 minutes of now either way (a replay older than that is refused).

Telnyx rather than Vonage: Telnyx's client takes a `base_url` (so `TELNYX_API_URL`
can point at a local stand-in over plain HTTP), where Vonage's HTTP client always builds
`https://{host}`. The library is imported on first use (it takes over a second to
import, and only a failover or a Telnyx webhook needs it). Settings: TELNYX_API_KEY,
TELNYX_FROM_NUMBER, TELNYX_PUBLIC_KEY.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from portal.notifications.providers import DeliveryError

CARRIER = "telnyx"
LABEL = "Telnyx"
TIMEOUT_SECONDS = 10


class TelnyxError(DeliveryError):
    """Telnyx refused the request, could not be reached, or is not set up."""


def configured() -> bool:
    return bool(settings.TELNYX_API_KEY and settings.TELNYX_FROM_NUMBER)


def _detail(body: Any) -> str:
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return f"error {first.get('code', '?')}: {first.get('detail') or first.get('title', '')}"
    return ""


def send_sms(*, to: str, body: str, from_number: str = "", webhook_url: str = "") -> str:
    """POST /v2/messages from `from_number` (TELNYX_FROM_NUMBER unless told), its events to
    `webhook_url` when given; returns the message id."""
    if not configured():
        raise TelnyxError("Telnyx is not set up (TELNYX_API_KEY, TELNYX_FROM_NUMBER)")
    import telnyx

    client = telnyx.Telnyx(
        api_key=settings.TELNYX_API_KEY,
        base_url=f"{settings.TELNYX_API_URL}/v2",
        # The failover is the retry: a second provider, not the same one again.
        max_retries=0,
        timeout=TIMEOUT_SECONDS,
    )
    try:
        sent = client.messages.send(
            to=to,
            from_=from_number or settings.TELNYX_FROM_NUMBER,
            text=body,
            webhook_url=webhook_url or telnyx.omit,
        )
    except telnyx.APIStatusError as exc:
        raise TelnyxError(
            f"Telnyx refused: HTTP {exc.status_code} {_detail(exc.body)}".strip()[:500]
        ) from exc
    except telnyx.APIError as exc:
        raise TelnyxError(f"Telnyx could not be reached: {type(exc).__name__}") from exc
    finally:
        client.close()
    message_id = sent.data.id if sent.data is not None else None
    if not message_id:
        raise TelnyxError("Telnyx accepted the message without an id")
    return str(message_id)


def webhook_problem(*, body: str, headers: Mapping[str, str]) -> str:
    """Why the webhook `body` is not Telnyx's (a missing, wrong or stale signature), or ""
    when its Ed25519 signature holds for TELNYX_PUBLIC_KEY. No key set: nothing is trusted."""
    public_key = str(settings.TELNYX_PUBLIC_KEY)
    if not public_key:
        return "TELNYX_PUBLIC_KEY is not set: no Telnyx webhook is trusted."
    from telnyx.lib.webhook_verification import (
        WebhookVerificationError,
        verify_webhook_signature,
    )

    try:
        verify_webhook_signature(body, headers, public_key)
    except WebhookVerificationError as exc:
        return str(exc.message)
    return ""
