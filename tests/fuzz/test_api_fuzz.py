"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis, through WSGI).

Every operation of the accounts, attendance and recognition APIs is called with generated
requests (valid and invalid) as a registrar and as a viewer of one institution, on the test
database (PostgreSQL in CI). Every answer must not be a server error and must match the schema
(body and status code). Bounded for CI: FUZZ_EXAMPLES examples per operation and role
(default 12), derandomized so a failure reproduces; raise FUZZ_EXAMPLES to search deeper.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from accounts.roles import Role
from accounts.services import api_key_create
from accounts.tenancy import tenant_scope
from attendance import services as attendance_services
from tests.factories import (
    AttendanceRuleFactory,
    CameraFactory,
    ExcuseFactory,
    HolidayFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonFactory,
    PresenceEventFactory,
    SessionFactory,
    SessionScheduleFactory,
    UnitFactory,
    UserFactory,
)

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
# Recognition endpoints join once their filters take the input policy (being integrated).
FUZZED_PATHS = r"^/api/v1/(?!schema/|recognition/)"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.config.update(base_url="http://testserver")
# The coverage phase (boundary values of every parameter, unbounded by max_examples) is the
# deep search: FUZZ_COVERAGE=1 turns it on; CI runs explicit examples and the fuzzing phase.
schema.config.phases.coverage.enabled = os.environ.get("FUZZ_COVERAGE") == "1"
APP = WSGIHandler()

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
}


@pytest.fixture
def world(db) -> dict:
    """One institution with a row of every kind, and tokens for a registrar and a viewer.

    Lean on purpose (built once per operation): two members, one unit, two people; a
    neighbouring institution whose rows must stay invisible.
    """
    institution = InstitutionFactory(slug="fuzz-a")
    neighbour = InstitutionFactory(slug="fuzz-b")
    users = {role: UserFactory(username=f"fuzz-{role}") for role in (Role.REGISTRAR, Role.VIEWER)}
    with tenant_scope(institution):
        memberships = {
            role: MembershipFactory(institution=institution, user=user, role=role)
            for role, user in users.items()
        }
        unit = UnitFactory(institution=institution)
        people = [PersonFactory(institution=institution, units=[unit]) for _ in range(2)]
        session = SessionFactory(institution=institution, unit=unit)
        rule = AttendanceRuleFactory(institution=institution)
        camera = CameraFactory(institution=institution)
        schedule = SessionScheduleFactory(institution=institution, unit=unit)
        holiday = HolidayFactory(institution=institution)
        excuse = ExcuseFactory(institution=institution, person=people[0])
        event = PresenceEventFactory(institution=institution, person=people[0])
        attendance_services.session_recompute(session=session, actor=None)
        record = session.records.first()
        api_key, _ = api_key_create(institution=institution, name="door", role=Role.VIEWER)
    with tenant_scope(neighbour):
        PersonFactory(institution=neighbour)
    ids = {
        "api_key": api_key.pk,
        "camera": camera.pk,
        "event": event.pk,
        "excuse": excuse.pk,
        "holiday": holiday.pk,
        "record": record.pk,
        "rule": rule.pk,
        "schedule": schedule.pk,
        "session": session.pk,
        "membership": memberships[Role.VIEWER].pk,
        "person": people[1].pk,
        "unit": unit.pk,
    }
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    return {"ids": ids, "tokens": tokens, "slug": institution.slug}


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """As Django's test client does: a request inside the test's transaction must not close its
    database connection (close_old_connections drops a connection whose autocommit is off)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def _real_id(case, world: dict) -> None:
    """Point an {id} path at a real row for half of the generated cases."""
    if not case.path_parameters or "id" not in case.path_parameters:
        return
    value = case.path_parameters["id"]
    if not isinstance(value, int) or value % 2:
        return
    for prefix, key in COLLECTIONS.items():
        if case.operation.path.startswith(f"/api/v1/{prefix}/{{id}}"):
            case.path_parameters["id"] = world["ids"][key]
            return


def _fuzz(case, world: dict, role: str) -> None:
    _real_id(case, world)
    headers = {"Authorization": f"Token {world['tokens'][role]}", "X-Institution": world["slug"]}
    case.call_and_validate(app=APP, headers=headers, checks=CHECKS)


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
