"""Telnyx's Messaging API v2 through the official `telnyx` library: the second SMS carrier,
used when Twilio refuses or cannot be reached (`phone_sms`).

Reference: https://developers.telnyx.com/docs/messaging/messages/send-message
(`POST /v2/messages` with `from`, `to`, `text`; answered `{"data": {"id": …, "to": [{
"phone_number", "status": "queued"}], …}}`), errors as `{"errors": [{"code", "title",
"detail"}]}` (https://developers.telnyx.com/development/api-fundamentals/api-errors).

Telnyx rather than Vonage: Telnyx's client takes a `base_url` (so `TELNYX_API_URL`
can point at a local stand-in over plain HTTP), where Vonage's HTTP client always builds
`https://{host}`. The library is imported on first use (it takes over a second to
import, and only a failover needs it). Settings: TELNYX_API_KEY, TELNYX_FROM_NUMBER.
"""

from __future__ import annotations

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


def send_sms(*, to: str, body: str) -> str:
    """POST /v2/messages; returns the message id."""
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
        sent = client.messages.send(to=to, from_=settings.TELNYX_FROM_NUMBER, text=body)
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
