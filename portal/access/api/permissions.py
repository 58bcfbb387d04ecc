"""Authenticated callers only; read-only tokens may only read."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions

from portal.access.models import ApiToken


class IsAuthenticatedTokenScope(permissions.BasePermission):
    message = "This token is read-only."

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not (isinstance(token, ApiToken) and token.read_only)


_FROM_QUERYSET = object()


def _permission_model(view: Any) -> Any:
    """The model whose Django permissions guard `view`; None when the view checks its own."""
    model = getattr(view, "permission_model", _FROM_QUERYSET)
    if model is not _FROM_QUERYSET:
        return model
    queryset = getattr(view, "queryset", None)
    return queryset.model if queryset is not None else None


def required_verb(request: Any, view: Any) -> str:
    """view / add / change / delete for this request.

    Reads need `view`; POST to a collection (`create`, or a plain view's POST) needs
    `add`; transitions (`acknowledge`, `publish`…) and PATCH/PUT need `change`. A view
    may name other verbs per action or method in `permission_verbs`.
    """
    action = getattr(view, "action", None)
    overrides: dict[str, str] = getattr(view, "permission_verbs", {})
    if action in overrides:
        return overrides[action]
    if request.method in overrides:
        return overrides[request.method]
    if request.method in permissions.SAFE_METHODS:
        return "view"
    if request.method == "DELETE":
        return "delete"
    if request.method == "POST" and action in (None, "create"):
        return "add"
    return "change"


class FollowsModelPermissions(permissions.BasePermission):
    """The API grants what the admin grants: the user's Django model permissions decide.

    A staff user with no group, or someone taken out of Responders, loses API access
    with the same step that takes away their admin access. Superusers pass (Django's
    `has_perm`); views without a model (exports) keep their own checks.
    """

    message = "Your roles do not allow this (ask a founder for the right group)."

    def has_permission(self, request: Any, view: Any) -> bool:
        model = _permission_model(view)
        if model is None:
            return True
        verb = required_verb(request, view)
        return bool(
            request.user
            and request.user.has_perm(f"{model._meta.app_label}.{verb}_{model._meta.model_name}")
        )
