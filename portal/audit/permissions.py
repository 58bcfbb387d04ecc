"""API permission: members of the Auditors group may only read, whatever their token allows.

Wire it as a default next to the token-scope check (both must pass):

    REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] = [
        "portal.access.api.permissions.IsAuthenticatedTokenScope",
        "portal.audit.permissions.AuditorsReadOnly",
    ]
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions

from portal.audit.roles import AUDITORS


def is_auditor_only(user: Any) -> bool:
    """In the Auditors group and not a superuser (a founder who also audits keeps writing)."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return False
    return user.groups.filter(name=AUDITORS).exists()


class AuditorsReadOnly(permissions.BasePermission):
    message = "Auditors have read-only access."

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return not is_auditor_only(request.user)
