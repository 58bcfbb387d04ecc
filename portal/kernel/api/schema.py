"""OpenAPI descriptions of the portal's own API pieces (drf-spectacular extensions).

Importing this module registers the extensions; `incidents.api.views` imports it,
so any schema that includes the API knows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.access.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` or `Bearer <key>` (create one with `manage.py apitoken create USER`).",
        }


ERROR_SCHEMA = {
    "type": "object",
    "description": '`{"detail": "…"}` or `{"<field>": ["<message>", …]}`.',
    "additionalProperties": {},
}
ERROR_DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})
AUTH_ERRORS: dict[int, Any] = {
    401: OpenApiResponse(ERROR_DETAIL, description="No token, or an invalid or revoked one."),
    403: OpenApiResponse(ERROR_DETAIL, description="The token is read-only."),
}


@dataclass(frozen=True)
class ErrorResponses:
    """The error answers of one API's operations, each with an example from its domain."""

    bad_input: OpenApiResponse
    not_found: OpenApiResponse

    @property
    def read(self) -> dict[int, Any]:
        return {**AUTH_ERRORS, 404: self.not_found}

    @property
    def write(self) -> dict[int, Any]:
        return {400: self.bad_input, **AUTH_ERRORS, 404: self.not_found}


def error_responses(
    *, bad_input: dict[str, list[str]], not_found: dict[str, list[str]], missing: str
) -> ErrorResponses:
    """`bad_input` and `not_found` are example bodies; `missing` says what a 404 lacks."""
    return ErrorResponses(
        bad_input=OpenApiResponse(
            response={**ERROR_SCHEMA, "example": bad_input},
            description="Bad input: the body names the field at fault "
            "(`non_field_errors` when no one field is).",
        ),
        not_found=OpenApiResponse(
            response={**ERROR_SCHEMA, "example": not_found}, description=missing
        ),
    )


_ERRORS = {
    "400": "Invalid input: the body names each field at fault.",
    "401": "No or invalid token.",
    "403": "Not allowed (e.g. a read-only token writing).",
    "404": "No such object.",
}


def document_error_responses(
    result: dict[str, Any], generator: Any, **kwargs: Any
) -> dict[str, Any]:
    """Postprocessing hook: document the error answers every operation can give.

    The exception handler answers 400/401/403/404 uniformly across the API, so they
    are described once here rather than on each of ~80 operations.
    """
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            codes = []
            if method != "get" or operation.get("parameters"):
                codes.append("400")
            if operation.get("security") != [] and operation.get("security") != [{}]:
                codes += ["401", "403"]
            if "{" in path:
                codes.append("404")
            for code in codes:
                responses.setdefault(code, {"description": _ERRORS[code], "content": ref})
    return result
