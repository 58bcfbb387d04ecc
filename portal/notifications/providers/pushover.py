"""Pushover's Messages and Receipts APIs (https://pushover.net/api, /api/receipt).

A page goes out at emergency priority (2): Pushover repeats it every `retry` seconds
until the recipient acknowledges it in the app or `expire` seconds pass, and returns a
receipt. The engine polls the receipt (`GET /1/receipts/{receipt}.json`) and, once it
says `acknowledged`, acknowledges the page as the paged person. Other messages on a
Pushover channel go at normal priority, without a receipt.

A channel's target is apprise's Pushover URL: `pover://USER_KEY@APP_TOKEN` (optionally
`/DEVICE`). The API's base URL is the `PUSHOVER_API_URL` setting. The receipt is the
message's `provider_ref`; polling it yields an acknowledged or expired `Reply`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from portal.notifications.providers import DeliveryError, Provider, Sent
from portal.notifications.replies import Reply, ReplyKind

EMERGENCY = 2
NORMAL = 0
TIMEOUT_SECONDS = 10


class PushoverError(DeliveryError):
    """Pushover refused the request or could not be reached."""


@dataclass(frozen=True)
class Target:
    user_key: str
    app_token: str
    device: str = ""


@dataclass(frozen=True)
class ReceiptStatus:
    acknowledged: bool
    acknowledged_at: datetime.datetime | None
    acknowledged_by: str
    expired: bool


def parse_target(url: str) -> Target:
    """`pover://USER_KEY@APP_TOKEN[/DEVICE]` (apprise's form) → its parts."""
    parts = urlsplit(url)
    if parts.scheme != "pover" or not parts.username or not parts.hostname:
        raise PushoverError("the channel's target is not pover://USER_KEY@APP_TOKEN[/DEVICE]")
    # The host part keeps its case (tokens are case-sensitive; urlsplit lowercases hostname).
    token = parts.netloc.rsplit("@", 1)[1]
    return Target(user_key=parts.username, app_token=token, device=parts.path.strip("/"))


def _url(path: str) -> str:
    return str(settings.PUSHOVER_API_URL).rstrip("/") + path


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 300 or body.get("status") != 1:
        errors = body.get("errors") or [response.text[:200]]
        raise PushoverError(f"Pushover refused: HTTP {response.status_code} {'; '.join(errors)}")
    return body if isinstance(body, dict) else {}


def send_message(
    target: Target,
    *,
    title: str,
    message: str,
    emergency: bool,
    url: str = "",
    url_title: str = "",
) -> str:
    """POST /1/messages.json; returns the receipt of an emergency message, else ""."""
    data: dict[str, Any] = {
        "token": target.app_token,
        "user": target.user_key,
        "title": title[:250],
        "message": message[:1024],
        "priority": EMERGENCY if emergency else NORMAL,
    }
    if target.device:
        data["device"] = target.device
    if url:
        data["url"] = url[:512]
        data["url_title"] = url_title[:100]
    if emergency:
        data["retry"] = max(30, int(settings.PUSHOVER_RETRY_SECONDS))
        data["expire"] = min(10800, int(settings.PUSHOVER_EXPIRE_SECONDS))
    try:
        response = requests.post(_url("/1/messages.json"), data=data, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise PushoverError(f"Pushover: {type(exc).__name__}") from exc
    body = _json(response)
    receipt = str(body.get("receipt") or "") if emergency else ""
    if emergency and not receipt:
        raise PushoverError("Pushover accepted an emergency message without a receipt")
    return receipt


def _when(value: Any) -> datetime.datetime | None:
    if not value:
        return None
    return datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC)


def receipt_status(app_token: str, receipt: str) -> ReceiptStatus:
    """GET /1/receipts/{receipt}.json?token=APP_TOKEN."""
    try:
        response = requests.get(
            _url(f"/1/receipts/{receipt}.json"),
            params={"token": app_token},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise PushoverError(f"Pushover: {type(exc).__name__}") from exc
    body = _json(response)
    return ReceiptStatus(
        acknowledged=bool(body.get("acknowledged")),
        acknowledged_at=_when(body.get("acknowledged_at")),
        acknowledged_by=str(body.get("acknowledged_by") or ""),
        expired=bool(body.get("expired")),
    )


def cancel_receipt(app_token: str, receipt: str) -> None:
    """POST /1/receipts/{receipt}/cancel.json: stop the retries (acknowledged elsewhere)."""
    try:
        response = requests.post(
            _url(f"/1/receipts/{receipt}/cancel.json"),
            data={"token": app_token},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise PushoverError(f"Pushover: {type(exc).__name__}") from exc
    _json(response)


# --- The provider ----------------------------------------------------------------------

KIND = "pushover"
LABEL = "Pushover"


def _send(message: Any, target: str) -> Sent:
    """A page at emergency priority (its receipt is followed up for the acknowledgement);
    anything else at normal priority."""
    ack = (message.data or {}).get("ack_url", "")
    receipt = send_message(
        parse_target(target),
        title=message.subject,
        message=message.body,
        emergency=message.kind == "page",
        url=ack,
        url_title="Acknowledge" if ack else "",
    )
    return Sent(ref=receipt, follow_up=bool(receipt))


def _poll(message: Any, target: str) -> Reply | None:
    status = receipt_status(parse_target(target).app_token, message.provider_ref)
    if status.acknowledged:
        return Reply(ReplyKind.ACKNOWLEDGED, via=LABEL, at=status.acknowledged_at)
    if status.expired:
        return Reply(ReplyKind.EXPIRED, via=LABEL)
    return None


def _cancel(message: Any, target: str) -> None:
    cancel_receipt(parse_target(target).app_token, message.provider_ref)


def _check(target: str) -> str:
    try:
        parse_target(target)
    except PushoverError as exc:
        return str(exc)
    return ""


PROVIDERS = (
    Provider(
        kind=KIND,
        label="Pushover (pages at emergency priority; its receipt acknowledges)",
        position=50,
        target_help="pover://USER_KEY@APP_TOKEN[/DEVICE]",
        send=_send,
        check=_check,
        poll=_poll,
        cancel=_cancel,
        # Pushover asks for no more than one poll per receipt every 5 seconds.
        poll_every=lambda: datetime.timedelta(seconds=settings.PUSHOVER_RECEIPT_POLL_SECONDS),
    ),
)
