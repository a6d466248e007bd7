"""Answers the OpenAPI schema once said could not happen, each checked against the schema.

Each test makes the one request that showed the drift (a blank enum value, a created unit, a
record's history, a schedule's times, a generated stretch of sessions) and validates the real
answer with schemathesis against the schema the API publishes.
"""

from __future__ import annotations

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from werkzeug.test import Client

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance.models import AttendanceRecord, PresenceEvent

SCHEMA = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@pytest.fixture
def call(world):
    client = Client(world["app"])
    headers = {
        "Authorization": f"Token {world['tokens'][Role.REGISTRAR]}",
        "X-Institution": world["slug"],
    }

    def request(method: str, template: str, *, status: int, **kwargs):
        path = template.format(**kwargs.pop("path", {}))
        response = client.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)
        SCHEMA[template][method].validate_response(response)
        return response.get_json()

    return request


@pytest.mark.django_db
def test_blank_walking_direction_and_override_status_are_declared(world, call) -> None:
    with tenant_scope(None):
        event = PresenceEvent.unscoped.get(pk=world["ids"]["event"])
        assert event.walking_direction == ""
        record = AttendanceRecord.unscoped.get(pk=world["ids"]["record"])
        assert record.override_status == ""
    body = call("GET", "/api/v1/attendance/events/{id}/", path={"id": event.pk}, status=200)
    assert body["walking_direction"] == ""
    body = call("GET", "/api/v1/attendance/records/{id}/", path={"id": record.pk}, status=200)
    assert body["override_status"] == ""


@pytest.mark.django_db
def test_a_created_unit_answers_its_people_count(call) -> None:
    body = call("POST", "/api/v1/units/", json={"code": "NEW-1", "name": "New"}, status=201)
    assert body["people_count"] == 0


@pytest.mark.django_db
def test_a_records_history_is_the_list_it_is_declared_as(world, call) -> None:
    record = world["ids"]["record"]
    call(
        "POST",
        "/api/v1/attendance/records/{id}/override/",
        path={"id": record},
        json={"status": "excused", "reason": "doctor"},
        status=200,
    )
    body = call("GET", "/api/v1/attendance/records/{id}/history/", path={"id": record}, status=200)
    assert isinstance(body, list) and body[0]["status_after"] == "excused"


@pytest.mark.django_db
def test_schedule_times_match_their_declared_format(world, call) -> None:
    body = call(
        "GET",
        "/api/v1/attendance/schedules/{id}/",
        path={"id": world["ids"]["schedule"]},
        status=200,
    )
    assert (body["start_time"], body["end_time"]) == ("09:00:00", "10:00:00")
    generated = call(
        "POST",
        "/api/v1/attendance/schedules/{id}/generate/",
        path={"id": world["ids"]["schedule"]},
        json={"start": "2026-12-14", "end": "2026-12-20"},
        status=201,
    )
    assert isinstance(generated, list)
