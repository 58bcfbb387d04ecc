"""The post-mortem endpoints document themselves without a single schema warning."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


def test_openapi_schema_of_the_postmortem_api_has_no_warnings() -> None:
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include("postmortems.api.urls"))])
    schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)
    assert dict(GENERATOR_STATS._warn_cache) == {}
    assert dict(GENERATOR_STATS._error_cache) == {}
    publish = schema["paths"]["/api/v1/postmortems/{ref}/publish/"]["post"]
    assert set(publish["responses"]) >= {"200", "400", "401", "403", "404"}
    assert "/api/v1/action-items/{id}/" in schema["paths"]
