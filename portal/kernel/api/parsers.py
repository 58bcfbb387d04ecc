"""Request-body parsers that refuse text the database cannot store (400 naming the field).

DRF's CharField already refuses NUL and surrogates, but other fields do not: a
username looked up by a SlugRelatedField, a JSON document stored as is. Checking
the decoded body once covers every field of every endpoint.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from portal.kernel import storable


def _refuse_unstorable(data: Any) -> None:
    plain = data.dict() if hasattr(data, "dict") else data
    errors: dict[str, list[str]] = {}
    for problem in storable.document_problems(plain):
        field, _, message = problem.partition(" ")
        errors.setdefault(field.split(".")[0].split("[")[0], []).append(problem)
    if errors:
        raise ValidationError(errors)


class StorableJSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply") from None
        _refuse_unstorable(data)
        return data


class StorableFormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _refuse_unstorable(data)
        return data


class StorableMultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        result = super().parse(stream, media_type, parser_context)
        _refuse_unstorable(result.data)
        return result
