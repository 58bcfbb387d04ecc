"""Authenticated callers only; read-only tokens may only read."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions

from portal.models import ApiToken


class IsAuthenticatedTokenScope(permissions.BasePermission):
    message = "This token is read-only."

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not (isinstance(token, ApiToken) and token.read_only)
