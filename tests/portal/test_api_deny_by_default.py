"""Issue 24: "views without a model pass the permission check". Every door of the API
says what it needs (a model's permissions or an explicit one), and one that says
nothing is closed to everyone.

The walk covers every URL under /api/v1/ (routers and plain views alike) and every
write method each one answers: a staff user with no group holds no permission, so
each write must be refused to them by the permission check (403), before any handler
runs (no 404 for the made-up ids, no 405).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from portal.access.api.permissions import FollowsModelPermissions, required_permissions

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")


def _patterns(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, route)
        else:
            yield route, entry


def _kwargs(pattern: URLPattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None and not hasattr(pattern.pattern, "regex"):
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


def api_writes() -> list[tuple[str, str, Any, str | None]]:
    """(method, url, view class, viewset action) of every write the API answers under
    /api/v1/."""
    found: list[tuple[str, str, Any, str | None]] = []
    for route, pattern in _patterns(get_resolver().url_patterns):
        if not route.startswith("api/v1/") or "format" in _kwargs(pattern):
            continue
        view = pattern.callback
        cls = getattr(view, "cls", None)
        if cls is None or not issubclass(cls, APIView):
            continue
        actions = getattr(view, "actions", None)
        methods = [m for m in WRITE_METHODS if (m in actions if actions else hasattr(cls, m))]
        if not methods:
            continue
        assert pattern.name, route
        url = reverse(pattern.name, kwargs=dict.fromkeys(_kwargs(pattern), "1"))
        found.extend((m, url, cls, (actions or {}).get(m)) for m in methods)
    return found


def test_the_walk_finds_the_set_up_doors() -> None:
    """Guards the walk itself: a walk that found nothing would prove nothing."""
    urls = {(method, url) for method, url, *_ in api_writes()}
    for expected in [
        ("post", "/api/v1/channels/"),
        ("post", "/api/v1/channels/1/test/"),
        ("post", "/api/v1/oncall/members/"),
        ("delete", "/api/v1/oncall/members/1/"),
        ("post", "/api/v1/oncall/overrides/"),
        ("delete", "/api/v1/oncall/overrides/1/"),
        ("post", "/api/v1/services/"),
        ("post", "/api/v1/incidents/"),
        ("post", "/api/v1/incidents/1/acknowledge/"),
    ]:
        assert expected in urls


def test_every_api_write_is_refused_to_a_staff_user_without_a_group(
    django_user_model: Any, make_token: Any
) -> None:
    user = django_user_model.objects.create_user("nogroup", "ng@example.com", "pw", is_staff=True)
    _, key = make_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    writes = api_writes()
    refused = []
    for method, url, cls, _ in writes:
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 403, (method, url, cls.__name__, response.content[:200])
        refused.append(url)
    assert len(refused) == len(writes) > 20


def test_every_api_write_declares_a_permission_the_group_less_user_lacks(
    django_user_model: Any,
) -> None:
    user = django_user_model.objects.create_user("nogroup", "ng@example.com", "pw", is_staff=True)
    factory = APIRequestFactory()
    for method, url, cls, action in api_writes():
        view = cls()
        view.action = action
        request = Request(getattr(factory, method)(url))
        needed = required_permissions(request, view)
        assert needed, (method, url, cls.__name__)
        assert not user.has_perms(needed), (method, url, needed)


class Undeclared(APIView):
    """A view that names neither a model nor a permission."""

    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_view_that_declares_nothing_is_closed_even_to_a_superuser(
    method: str, django_user_model: Any
) -> None:
    superuser = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
    for user in (superuser, AnonymousUser()):
        request = getattr(APIRequestFactory(), method)("/x")
        request.user = user
        assert FollowsModelPermissions().has_permission(request, Undeclared()) is False
