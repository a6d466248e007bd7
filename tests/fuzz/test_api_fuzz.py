"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis, through WSGI).

Every operation of the accounts, attendance and recognition APIs is called with generated
requests (valid and invalid) as a registrar and as a viewer of one institution, on the test
database (PostgreSQL in CI). Every answer must not be a server error and must match the schema
(body and status code). Bounded for CI: FUZZ_EXAMPLES examples per operation and role
(default 12), derandomized so a failure reproduces; raise FUZZ_EXAMPLES to search deeper.
"""

from __future__ import annotations

import os

import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from accounts.roles import Role

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
FUZZED_PATHS = r"^/api/v1/(?!schema/)"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.config.update(base_url="http://testserver")
# The coverage phase (boundary values of every parameter, unbounded by max_examples) is the
# deep search: FUZZ_COVERAGE=1 turns it on; CI runs explicit examples and the fuzzing phase.
schema.config.phases.coverage.enabled = os.environ.get("FUZZ_COVERAGE") == "1"

# Path ids that name real rows of the caller's institution, per collection; otherwise every
# generated id would only ever reach the 404 branch.
COLLECTIONS = {
    "api-keys": "api_key",
    "attendance/cameras": "camera",
    "attendance/events": "event",
    "attendance/excuses": "excuse",
    "attendance/holidays": "holiday",
    "attendance/records": "record",
    "attendance/rules": "rule",
    "attendance/schedules": "schedule",
    "attendance/sessions": "session",
    "members": "membership",
    "people": "person",
    "units": "unit",
    "recognition/model-versions": "model_version",
    "recognition/recognitions": "recognition",
    "recognition/samples": "sample",
}


def _real_id(case, world: dict) -> None:
    """Point an {id} (or {person_id}) path at a real row for half of the generated cases."""
    params = case.path_parameters or {}
    if isinstance(params.get("person_id"), int) and not params["person_id"] % 2:
        params["person_id"] = world["ids"]["person"]
    value = params.get("id")
    if not isinstance(value, int) or value % 2:
        return
    for prefix, key in COLLECTIONS.items():
        if case.operation.path.startswith(f"/api/v1/{prefix}/{{id}}"):
            params["id"] = world["ids"][key]
            return


def _fuzz(case, world: dict, role: str) -> None:
    _real_id(case, world)
    headers = {"Authorization": f"Token {world['tokens'][role]}", "X-Institution": world["slug"]}
    case.call_and_validate(app=world["app"], headers=headers, checks=CHECKS)


fuzz_settings = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.include(path_regex=FUZZED_PATHS).parametrize()
@fuzz_settings
def test_registrar(case, world):
    _fuzz(case, world, Role.REGISTRAR)


@schema.include(path_regex=FUZZED_PATHS).parametrize()
@fuzz_settings
def test_viewer(case, world):
    _fuzz(case, world, Role.VIEWER)
