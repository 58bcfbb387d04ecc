"""JSON 404 for API paths: a tool calling `/api/…` gets JSON, never an HTML page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(("/api/", "/integrations/")):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if request.path.startswith(("/api/", "/integrations/")):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
