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

# A verb, or several that must all be held (an upsert by name adds or changes).
Verbs = str | tuple[str, ...]


def _permission_model(view: Any) -> Any:
    """The model whose Django permissions guard `view`: its `permission_model`, else its
    queryset's model; None when it names neither."""
    model = getattr(view, "permission_model", _FROM_QUERYSET)
    if model is not _FROM_QUERYSET:
        return model
    queryset = getattr(view, "queryset", None)
    return queryset.model if queryset is not None else None


def required_verb(request: Any, view: Any) -> Verbs:
    """view / add / change / delete for this request.

    Reads need `view`; POST to a collection (`create`, or a plain view's POST) needs
    `add`; transitions (`acknowledge`, `publish`…) and PATCH/PUT need `change`. A view
    may name other verbs per action or method in `permission_verbs` (a tuple: all of them).
    """
    action = getattr(view, "action", None)
    overrides: dict[str, Verbs] = getattr(view, "permission_verbs", {})
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


def required_permissions(request: Any, view: Any) -> tuple[str, ...] | None:
    """The Django permissions (`app_label.codename`) this request needs, all of them;
    None when the view declares nothing, which refuses the request (deny by default).

    A view declares either a model (`permission_model`, or a `queryset`), whose add /
    change / delete / view permission each request needs (`required_verb`), or an
    explicit requirement, `permission_required`: one permission for every method
    ("reports.export"), or one per method (`{"GET": "reports.export"}`; a method it
    does not name is refused).
    """
    explicit = getattr(view, "permission_required", None)
    if isinstance(explicit, str):
        return (explicit,)
    if isinstance(explicit, dict):
        needed = explicit.get(request.method)
        return None if needed is None else (needed,)
    model = _permission_model(view)
    if model is None:
        return None
    verbs = required_verb(request, view)
    meta = model._meta
    return tuple(
        f"{meta.app_label}.{verb}_{meta.model_name}"
        for verb in ((verbs,) if isinstance(verbs, str) else verbs)
    )


class FollowsModelPermissions(permissions.BasePermission):
    """The API grants what the admin grants: the user's Django permissions decide.

    A staff user with no group, or someone taken out of Responders, loses API access
    with the same step that takes away their admin access. Superusers pass (Django's
    `has_perm`). A view that declares neither a model nor `permission_required` is
    refused to everyone (`required_permissions`): a new door is closed until it says
    what it needs. A view may word the refusal (`permission_message`).
    """

    message = "Your roles do not allow this (ask a founder for the right group)."

    def has_permission(self, request: Any, view: Any) -> bool:
        needed = required_permissions(request, view)
        if needed is None:
            self.message = "This endpoint declares no permission; it is closed to everyone."
            return False
        self.message = getattr(view, "permission_message", None) or self.message
        return bool(request.user and request.user.has_perms(needed))
