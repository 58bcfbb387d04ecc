"""OpenAPI descriptions of the portal's own API pieces (drf-spectacular extensions).

Importing this module registers the extensions; `incidents.api.views` imports it,
so any schema that includes the API knows them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.authentication.ApiTokenAuthentication"
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
