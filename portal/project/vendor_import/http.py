"""A small JSON-over-HTTPS reader with the vendors' rate-limit manners.

On 429 it waits as the response says (`Retry-After`, PagerDuty's `ratelimit-reset`,
Opsgenie's `X-RateLimit-Period-In-Sec`), else backs off exponentially, and retries a
bounded number of times. Keys are sent in headers and never logged or echoed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RATE_LIMIT_HEADERS = ("Retry-After", "ratelimit-reset", "X-RateLimit-Period-In-Sec")


class VendorError(Exception):
    """The vendor API refused or failed; the message names the request, never the key."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when the vendor answered one


@dataclass
class JsonClient:
    base_url: str
    headers: dict[str, str]
    sleep: Callable[[float], None] = time.sleep
    max_retries: int = 5
    timeout: float = 30.0
    requests: int = 0
    throttled: int = 0
    waits: list[float] = field(default_factory=list)

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        url = path if path.startswith(("http://", "https://")) else self.base_url.rstrip("/") + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
        return url

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        url = self.url(path, params)
        shown = url.split("?")[0]
        for attempt in range(self.max_retries + 1):
            request = urllib.request.Request(  # noqa: S310 - http(s) URLs the operator gave
                url, headers={"Accept": "application/json", **self.headers}
            )
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    return json.load(response)
            except urllib.error.HTTPError as exc:
                if exc.code == 429 and attempt < self.max_retries:
                    self.throttled += 1
                    wait = _wait_seconds(exc.headers, attempt)
                    self.waits.append(wait)
                    self.sleep(wait)
                    continue
                detail = exc.read()[:200].decode("utf-8", "replace")
                raise VendorError(f"GET {shown}: HTTP {exc.code} {detail}", exc.code) from None
            except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
                raise VendorError(f"GET {shown}: {exc}") from None
        raise VendorError(f"GET {shown}: still rate-limited after {self.max_retries} retries")


def _wait_seconds(headers: Any, attempt: int) -> float:
    for name in RATE_LIMIT_HEADERS:
        value = headers.get(name)
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                continue
    return float(min(60, 2**attempt))
