"""Requests whose URL holds what PostgreSQL cannot compare are answered 400 up front.

A NUL character (`%00`) in a path segment or a query parameter reaches a lookup
(`ref=…`, `token=…`, `status=…`) and PostgreSQL answers it with an error, not a
miss: every view would need its own guard. One check here names the parameter.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from portal.security.storable import text_problem


class RefuseUnstorableUrl:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        if problem := text_problem(request.path_info):
            errors["path"] = [f"The URL path {problem}."]
        for name, values in request.GET.lists():
            for value in (name, *values):
                if problem := text_problem(value):
                    errors[name if text_problem(name) is None else "query"] = [
                        f"This parameter {problem}."
                    ]
        if errors:
            return JsonResponse(errors, status=400)
        return self.get_response(request)
