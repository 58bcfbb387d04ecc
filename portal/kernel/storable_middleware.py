"""Requests whose URL holds what PostgreSQL cannot compare are answered 4xx up front.

A NUL character (`%00`) in a path segment or a query parameter reaches a lookup
(`ref=…`, `token=…`, `status=…`) and PostgreSQL answers it with an error, not a
miss: every view would need its own guard. One check here names the parameter.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

from portal.kernel.storable import text_problem


def _path_parameter(path: str) -> str:
    """The name of the URL parameter (`ref`, `token`…) that holds the bad text, else "path"."""
    try:
        match = resolve(path)
    except Resolver404:
        return "path"
    for name, value in match.kwargs.items():
        if isinstance(value, str) and text_problem(value):
            return name
    return "path"


class RefuseUnstorableUrl:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if problem := text_problem(request.path_info):
            # No resource can have such a name: not found, naming the path parameter.
            return JsonResponse(
                {_path_parameter(request.path_info): [f"Not found: it {problem}."]}, status=404
            )
        errors: dict[str, list[str]] = {}
        for name, values in request.GET.lists():
            for value in (name, *values):
                if problem := text_problem(value):
                    errors[name if text_problem(name) is None else "query"] = [
                        f"This parameter {problem}."
                    ]
        if errors:
            return JsonResponse(errors, status=400)
        return self.get_response(request)
