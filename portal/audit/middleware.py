"""Makes the current request visible to the audit recorder (see `portal.audit.context`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.audit.context import serving


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        with serving(request):
            return self.get_response(request)
