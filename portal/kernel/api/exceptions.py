"""One exception handler: domain errors become 400s naming the field; a database that
cannot be reached (an outage, or every connection taken) is a 503 with Retry-After."""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from portal.kernel.errors import DomainError

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "30"


def domain_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        code = {
            "not_found": status.HTTP_404_NOT_FOUND,
            "forbidden": status.HTTP_403_FORBIDDEN,
        }.get(exc.code or "", status.HTTP_400_BAD_REQUEST)
        return Response(exc.as_dict(), status=code)
    if isinstance(exc, OperationalError | InterfaceError):
        # Not the client's fault and not a bug: tell it to come back, as ingestion does.
        logger.warning("API unavailable: %s: %s", type(exc).__name__, str(exc).splitlines()[:1])
        response = Response(
            {"detail": "The portal cannot reach its database; retry later."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response
    return exception_handler(exc, context)
