"""Fuzz every operation of the OpenAPI schema against a live server (schemathesis 4).

Every operation the schema lists is exercised, endpoints added later by other apps
included: positive data, then negative data (wrong types, out-of-range values,
missing fields). A response must never be a 5xx, its status code must be
documented, and its content type and body must match the schema. Half of the cases
that take an incident reference get a real, freshly declared incident, so the
handlers behind the 404 are fuzzed too.

The operations are listed at collection time from the schema generator (one pytest
test each); each test then loads the schema the live server serves at
`/api/v1/schema/` and fuzzes its operation over HTTP. (schemathesis' own lazy
pytest loader does not run under pytest 9, hence this small driver.)

Bounded: FUZZ_MAX_EXAMPLES (15) per operation and mode, no shrinking, no coverage or
stateful phases. FUZZ_ONLY=<regex> narrows a local run to some paths.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from incidents.models import Service
from portal.kernel.actors import Actor

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXCLUDED_PATHS = {"/api/v1/docs/"}  # HTML, not JSON
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


# FUZZ_ONLY=<regex> narrows a local run to matching paths (CI runs everything).
ONLY = re.compile(os.environ.get("FUZZ_ONLY", ""))


def _operations() -> list[tuple[str, str]]:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(
        (method.upper(), path)
        for path, item in paths.items()
        if path not in EXCLUDED_PATHS and ONLY.search(path)
        for method in item
        if method in HTTP_METHODS
    )


OPERATIONS = _operations()


@pytest.fixture
def served_schema(live_server: Any) -> Any:
    config = schemathesis.Config.from_dict({"base-url": live_server.url})
    return schemathesis.openapi.from_url(live_server.url + "/api/v1/schema/", config=config)


@pytest.fixture(params=["read-write", "read-only"])
def auth_headers(
    request: Any,
    transactional_db: Any,
    policy: Any,
    founder: Any,
    make_token: Any,
    engine_alive: Any,
) -> dict[str, str]:
    """A write and a read-only token (issue 14), the founder-24x7 policy and a service."""
    Service.objects.create(name="Checkout", slug="checkout")
    _, key = make_token(founder, read_only=request.param == "read-only")
    return {"Authorization": f"Token {key}"}


def _fresh_incident_ref() -> str:
    from incidents.services import declare_incident

    return declare_incident(actor=Actor.system("fuzz"), title="Fuzzed", severity="SEV-3").ref


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    takes_ref = any(p.name == "ref" for p in operation.path_parameters)

    @given(case=operation.as_strategy(generation_mode=mode), use_real_ref=st.booleans())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        report_multiple_bugs=False,
        # No shrinking: a failing operation's first example is reported as found,
        # which keeps a failing run as short as a passing one.
        phases=(Phase.explicit, Phase.generate),
    )
    def fuzz(case: Any, use_real_ref: bool) -> None:
        if takes_ref and use_real_ref:
            case.path_parameters["ref"] = _fresh_incident_ref()
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        fuzz()
    except Unsatisfiable:
        if mode == GenerationMode.POSITIVE:
            raise
        # Every input the operation takes is valid (e.g. only a free-text path parameter).


@pytest.mark.slow
def test_every_operation_survives_fuzzing(served_schema: Any, auth_headers: dict[str, str]) -> None:
    # One test for all operations: the database setup of a live server test is the slow
    # part, and a run must stay within a couple of minutes on a small machine.
    assert OPERATIONS, "the schema lists no operations"
    failures: list[str] = []
    for method, path in OPERATIONS:
        operation = served_schema[path][method]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, auth_headers)
            except (Exception, FailureGroup) as exc:  # noqa: BLE001 - collect every failure
                failures.append(f"=== {method} {path} ({mode.value}) ===\n{exc}")
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
