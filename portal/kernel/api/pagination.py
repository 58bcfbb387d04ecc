"""Limit/offset pagination with bounds: a huge `?limit=` or `?offset=` is clamped, not a 500."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import LimitOffsetPagination

# PostgreSQL's LIMIT/OFFSET are bigint: anything past that fails in the database.
MAX_OFFSET = 2**62


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = 500

    def get_offset(self, request: Any) -> int:
        return min(super().get_offset(request), MAX_OFFSET)
