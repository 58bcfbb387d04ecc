"""Issue 27, "generated clients cannot send comms or plan drills": those operations
offered three request content types and the modules `openapi-python-client` generated
failed to import (`NameError: Unset`).

The portal's own schema goes through the real generator; every generated module
imports, every write operation sends JSON, and each is called against the running
portal with a body built from the schema's required fields: the server parses what the
client sends (an answer below 500, and never 415 "unsupported media type")."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

from portal.kernel.actors import Actor

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
WRITES = {"post", "put", "patch", "delete"}
# Values for path parameters: an object that does not exist is a fine answer (404).
PATH_VALUES = {int: 999_999, str: "INC-19700101-99"}


def _example(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """A value of `schema` with its required fields only (plain placeholders)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components, depth + 1)
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema:
            return _example(schema[combined][0], components, depth + 1)
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    kind = schema.get("type", "object")
    if kind == "object":
        if depth > 4:
            return {}
        return {
            name: _example(schema["properties"][name], components, depth + 1)
            for name in schema.get("required", [])
            if not schema["properties"][name].get("readOnly")
        }
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    formats = {
        "date-time": "2026-03-02T10:00:00Z",
        "date": "2026-03-02",
        "email": "a@example.com",
        "uuid": "00000000-0000-4000-8000-000000000000",
        "uri": "https://example.com/",
        "decimal": "1.0",
    }
    return formats.get(schema.get("format", ""), "x")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Any]]]:
    if not GENERATOR.exists():
        pytest.fail("openapi-python-client is a dev dependency: make venv installs it")
    where = tmp_path_factory.mktemp("client")
    schema_file = where / "schema.yaml"
    call_command("spectacular", "--file", str(schema_file))
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    ran = subprocess.run(  # noqa: S603 - the generator, on our own schema
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema_file),
            "--output-path",
            str(where / "portal_client"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=where,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Warning" not in ran.stdout, ran.stdout
    sys.path.insert(0, str(where))
    try:
        package = importlib.import_module("portal_client")
        yield package, yaml.safe_load(schema_file.read_text())
    finally:
        sys.path.remove(str(where))
        for name in [m for m in sys.modules if m.startswith("portal_client")]:
            del sys.modules[name]
        shutil.rmtree(where, ignore_errors=True)


def _operations(package: Any) -> list[Any]:
    api = importlib.import_module(f"{package.__name__}.api")
    modules = []
    for info in pkgutil.walk_packages(api.__path__, f"{api.__name__}."):
        module = importlib.import_module(info.name)  # every module imports (no NameError)
        if hasattr(module, "sync_detailed"):
            modules.append(module)
    return modules


def _arguments(module: Any, components: dict[str, Any]) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    for name, parameter in inspect.signature(module._get_kwargs).parameters.items():
        annotation = parameter.annotation
        if name == "body":
            # `Model` or `Model | Unset` (an optional body)
            model = next(
                (
                    a
                    for a in (typing.get_args(annotation) or (annotation,))
                    if hasattr(a, "from_dict")
                ),
                None,
            )
            if model is None:
                continue
            data = _example(components[model.__name__], components)
            arguments["body"] = model.from_dict(data)
        elif parameter.default is inspect.Parameter.empty:
            arguments[name] = PATH_VALUES.get(annotation, PATH_VALUES[str])
    return arguments


@pytest.mark.django_db(transaction=True)
def test_every_write_operation_of_a_generated_client_reaches_the_portal(
    generated: tuple[Any, dict[str, Any]], live_server: Any, founder: Any, policy: Any
) -> None:
    from portal.access.tokens import create_api_token

    package, schema = generated
    components = schema["components"]["schemas"]
    _, key = create_api_token(user=founder, name="gen", read_only=False, actor=Actor.system("t"))
    client = package.AuthenticatedClient(base_url=live_server.url, token=key, prefix="Token")
    writes = []
    for module in _operations(package):
        arguments = _arguments(module, components)
        request = module._get_kwargs(**arguments)
        if request["method"] not in WRITES:
            continue
        writes.append(request["url"])
        if "json" in request:
            assert request["headers"]["Content-Type"] == "application/json", request["url"]
        response = module.sync_detailed(client=client, **arguments)
        assert response.status_code < 500, (request["url"], response.content[:300])
        assert response.status_code != 415, (request["url"], response.content[:300])
    # The operations the issue names are among them
    assert any(url.endswith("/comms/") for url in writes), writes
    assert "/api/v1/drills/" in writes
    assert len(writes) >= 30, len(writes)
