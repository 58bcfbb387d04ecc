"""Issue 27, "Generated clients cannot send comms or plan drills": those operations offered
three request content types and `openapi-python-client`'s modules failed to import
(`NameError: Unset`). Every write operation of the schema takes JSON, and only JSON."""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator


def test_every_write_operation_has_one_request_content_type_json() -> None:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    several = {
        f"{method.upper()} {path}": sorted(operation["requestBody"]["content"])
        for path, item in paths.items()
        for method, operation in item.items()
        if isinstance(operation, dict) and operation.get("requestBody")
        if list(operation["requestBody"]["content"]) != ["application/json"]
    }
    assert several == {}
    writes = [
        op for item in paths.values() for op in item.values()
        if isinstance(op, dict) and op.get("requestBody")
    ]  # fmt: skip
    assert len(writes) >= 20
