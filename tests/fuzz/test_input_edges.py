"""Input classes that once ended as 500s on PostgreSQL, each answered as a 400 naming the field.

NUL characters, impossible time-zone offsets, dates at the ends of the calendar, absurd
periods, impossible dates in CSV imports, deeply nested JSON and ids beyond 64 bits. The
policy is gaitportal.input_policy (docs/API_INPUTS.md); these tests go through the real
database, so run them on PostgreSQL too (DATABASE_URL).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.generators import EndpointEnumerator
from rest_framework import serializers
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance import services as attendance_services
from attendance.models import Excuse, Holiday, PresenceEvent
from gaitportal.api import fields as policy_fields
from gaitportal.api import filters as policy_filters
from gaitportal.api.parsers import JSONParser
from tests.factories import SessionFactory

API = "/api/v1"
NUL_MESSAGE = "NUL characters"
PROJECT_APPS = ("accounts", "attendance", "recognition", "gaitportal")


@pytest.fixture
def registrar(tenant_a, client_for) -> APIClient:
    return client_for(tenant_a.user(Role.REGISTRAR), tenant_a.institution)


@pytest.fixture
def admin(tenant_a, client_for) -> APIClient:
    return client_for(tenant_a.user(Role.ADMIN), tenant_a.institution)


def _event(tenant, **changes) -> dict:
    row = {"person": tenant.people[0].pk, "occurred_at": "2026-03-02T09:00:00Z"}
    return {**row, **changes}


def _names(response, field: str) -> bool:
    """The 400 names the field (as a key, or in a parse error's path)."""
    body = response.json()
    return field in body or field in json.dumps(body)


# NUL characters ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["note", "source_ref", "idempotency_key", "person_external_id"])
@pytest.mark.django_db
def test_nul_in_an_event_field_is_a_400_naming_it(tenant_a, registrar, field) -> None:
    row = _event(tenant_a, **{field: "door\x00 3"})
    response = registrar.post(f"{API}/attendance/events/", row, format="json")
    assert response.status_code == 400 and _names(response, field)
    bulk = registrar.post(f"{API}/attendance/events/bulk/", {"events": [row]}, format="json")
    assert bulk.status_code == 400 and _names(bulk, field)
    with tenant_scope(tenant_a.institution):
        assert not PresenceEvent.objects.exists()


@pytest.mark.django_db
def test_nul_in_a_row_given_to_the_service_is_a_row_error(tenant_a) -> None:
    with tenant_scope(tenant_a.institution):
        report = attendance_services.events_ingest(
            institution=tenant_a.institution, rows=[_event(tenant_a, note="a\x00b")]
        )
    assert report.items[0].errors == [
        {"field": "note", "message": "NUL characters (\\x00) are not allowed."}
    ]


@pytest.mark.parametrize(
    ("header", "name"),
    [("HTTP_X_INSTITUTION", "X-Institution"), ("HTTP_AUTHORIZATION", "Authorization")],
)
@pytest.mark.django_db
def test_nul_in_a_header_is_a_400_naming_it(tenant_a, header, name) -> None:
    client = APIClient()
    value = "Api-Key abc\x00.def" if name == "Authorization" else "school-a\x00"
    response = client.get(f"{API}/me/", **{header: value})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.json()[name][0]


@pytest.mark.parametrize("param", ["search", "person_external_id", "ordering", "flag"])
@pytest.mark.django_db
def test_nul_in_a_query_parameter_is_a_400_naming_it(registrar, param) -> None:
    response = registrar.get(f"{API}/attendance/records/", {param: "x\x00y"})
    assert response.status_code == 400 and param in response.json()


@pytest.mark.django_db
def test_nul_in_a_session_cookie_of_a_page_is_a_400(client) -> None:
    response = client.get("/dashboard/", HTTP_COOKIE="sessionid=abc\x00def")
    assert response.status_code == 400 and b"Cookie" in response.content


# Time-zone offsets and the ends of the calendar --------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:00:00-17:41",  # no such offset (PostgreSQL refuses beyond 15:59)
        "2026-01-01T00:00:00+19:49",
        "0001-01-01T00:00:00Z",  # overflows once a zone is applied
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "1900-06-01T09:00:00Z",  # before any digital attendance
    ],
)
@pytest.mark.django_db
def test_impossible_instants_are_400s_in_filters_and_bodies(tenant_a, registrar, value) -> None:
    listing = registrar.get(f"{API}/attendance/sessions/", {"starts_before": value})
    assert listing.status_code == 400 and "starts_before" in listing.json()
    events = registrar.get(f"{API}/attendance/events/", {"occurred_after": value})
    assert events.status_code == 400 and "occurred_after" in events.json()

    created = registrar.post(
        f"{API}/attendance/events/", _event(tenant_a, occurred_at=value), format="json"
    )
    assert created.status_code == 400 and "occurred_at" in created.json()
    session = registrar.post(
        f"{API}/attendance/sessions/",
        {"unit": tenant_a.unit.pk, "title": "T", "starts_at": value, "ends_at": value},
        format="json",
    )
    assert session.status_code == 400 and "starts_at" in session.json()


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
@pytest.mark.django_db
def test_dates_outside_the_window_are_400s_in_lists_and_reports(tenant_a, registrar, value):
    for path in ("records", "sessions", "events"):
        response = registrar.get(f"{API}/attendance/{path}/", {"date_to": value})
        assert response.status_code == 400 and "date_to" in response.json(), path
    excuses = registrar.get(f"{API}/attendance/excuses/", {"active_on": value})
    assert excuses.status_code == 400 and "active_on" in excuses.json()
    for report, params in (
        ("unit-summary", {"unit": tenant_a.unit.pk}),
        ("person-history", {"person": tenant_a.people[0].pk}),
    ):
        response = registrar.get(
            f"{API}/attendance/reports/{report}/", {**params, "date_to": value}
        )
        assert response.status_code == 400 and "date_to" in response.json(), report


@pytest.mark.django_db
def test_a_time_with_seconds_in_its_offset_is_written_in_utc() -> None:
    # Before 1937 Amsterdam kept local mean time, +00:19:32: not writable in RFC 3339.
    field = policy_fields.DateTimeField()
    with timezone.override(ZoneInfo("Europe/Amsterdam")):
        old = field.to_representation(datetime(1900, 1, 1, 12, tzinfo=UTC))
        now = field.to_representation(datetime(2026, 1, 1, 12, tzinfo=UTC))
    assert old == "1900-01-01T12:00:00Z"
    assert now == "2026-01-01T13:00:00+01:00"


# Absurd periods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field"),
    [
        ("0001-01-01", "9999-12-31", "starts_on"),
        ("2026-01-01", "9999-12-31", "ends_on"),
        ("2026-01-01", "2028-01-01", "ends_on"),  # two years: longer than any holiday
    ],
)
@pytest.mark.django_db
def test_absurd_holidays_are_refused_with_a_reason(
    tenant_a, registrar, starts_on, ends_on, field
) -> None:
    response = registrar.post(
        f"{API}/attendance/holidays/",
        {"name": "Forever", "starts_on": starts_on, "ends_on": ends_on},
        format="json",
    )
    assert response.status_code == 400 and field in response.json()
    with tenant_scope(tenant_a.institution):
        assert not Holiday.objects.exists()


@pytest.mark.django_db
def test_a_year_long_holiday_is_still_accepted(registrar) -> None:
    response = registrar.post(
        f"{API}/attendance/holidays/",
        {"name": "Sabbatical", "starts_on": "2026-01-01", "ends_on": "2026-12-31"},
        format="json",
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "field"),
    [
        ("0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "starts_at"),
        ("2026-01-01T00:00:00Z", "2099-01-01T00:00:00Z", "ends_at"),
    ],
)
@pytest.mark.django_db
def test_absurd_excuses_are_refused_with_a_reason(
    tenant_a, registrar, starts_at, ends_at, field
) -> None:
    response = registrar.post(
        f"{API}/attendance/excuses/",
        {
            "person": tenant_a.people[0].pk,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "reason": "x",
        },
        format="json",
    )
    assert response.status_code == 400 and field in response.json()
    with tenant_scope(tenant_a.institution):
        assert not Excuse.objects.exists()


@pytest.mark.parametrize("when", ["9999-01-01T00:00:00Z", "next-year", "1990-01-01T00:00:00Z"])
@pytest.mark.django_db
def test_consent_cannot_be_dated_in_the_future_or_long_ago(tenant_a, registrar, when) -> None:
    if when == "next-year":
        when = (timezone.now() + timedelta(days=365)).isoformat()
    response = registrar.post(
        f"{API}/people/",
        {
            "external_id": "C-1",
            "first_name": "Con",
            "last_name": "Sent",
            "kind": "student",
            "consent_given": True,
            "consent_recorded_at": when,
        },
        format="json",
    )
    assert response.status_code == 400 and "consent_recorded_at" in response.json()


@pytest.mark.django_db
def test_schedule_terms_and_generation_stay_in_the_window(tenant_a, registrar) -> None:
    response = registrar.post(
        f"{API}/attendance/schedules/",
        {
            "unit": tenant_a.unit.pk,
            "title": "Maths",
            "weekdays": [0],
            "start_time": "09:00",
            "end_time": "10:00",
            "valid_from": "2026-01-01",
            "valid_until": "9999-12-31",
        },
        format="json",
    )
    assert response.status_code == 400 and "valid_until" in response.json()


# CSV import ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize(
    ("consent_date", "needle"),
    [
        ("2026-02-30", "not a real date"),
        ("2026-13-01T09:00:00", "not a real date"),
        ("1900-01-01", "2000-01-01"),
        ("9999-12-31", "2100-12-31"),
        ("2026-01-01T00:00:00+19:00", "offset"),
    ],
)
@pytest.mark.django_db
def test_impossible_consent_dates_in_an_import_are_row_errors(
    tenant_a, admin, consent_date, needle, dry_run
) -> None:
    text = f"external_id,first_name,last_name,consent,consent_date\nS-9,A,B,yes,{consent_date}\n"
    response = admin.post(
        f"{API}/people/import/",
        {"file": SimpleUploadedFile("p.csv", text.encode()), "dry_run": dry_run},
        format="multipart",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["row"], error["field"]) == (2, "consent_date") and needle in error["message"]


# Nesting and ids ----------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
@pytest.mark.django_db
def test_deeply_nested_json_is_a_400(registrar, depth) -> None:
    body = "[" * depth + "]" * depth
    response = registrar.generic(
        "POST", f"{API}/attendance/events/bulk/", body, content_type="application/json"
    )
    assert response.status_code == 400 and "nest" in response.json()["detail"]


@pytest.mark.django_db
def test_ids_beyond_64_bits_are_400s_or_not_found(tenant_a, registrar, client_for) -> None:
    huge = str(2**70)
    for params in ({"person": huge}, {"person": "1e300"}, {"session": "-1"}):
        response = registrar.get(f"{API}/attendance/records/", params)
        assert response.status_code == 400 and next(iter(params)) in response.json()
    row = _event(tenant_a, person=2**70, camera=huge)
    report = registrar.post(f"{API}/attendance/events/bulk/", {"events": [row]}, format="json")
    assert report.status_code == 207
    assert {e["field"] for e in report.json()["items"][0]["errors"]} == {"person", "camera"}
    for requested in (huge, "²"):  # digits Python's int() overflows or refuses
        client = client_for(tenant_a.user(Role.VIEWER))
        assert client.get(f"{API}/me/", HTTP_X_INSTITUTION=requested).status_code == 404


@pytest.mark.django_db
def test_event_rows_at_the_edges_of_the_window_are_row_errors(tenant_a, registrar) -> None:
    with tenant_scope(tenant_a.institution):
        SessionFactory(institution=tenant_a.institution, unit=tenant_a.unit)
    rows = [
        _event(tenant_a, occurred_at="0001-01-01T00:00:00Z"),
        _event(tenant_a, occurred_at="2026-01-01T00:00:00-17:41"),
        _event(tenant_a, occurred_at="2026-03-02T09:00:00Z"),
    ]
    response = registrar.post(f"{API}/attendance/events/bulk/", {"events": rows}, format="json")
    assert response.status_code == 207
    items = response.json()["items"]
    assert [item["status"] for item in items] == ["error", "error", "created"]
    assert items[0]["errors"][0]["field"] == "occurred_at"


# Every door uses the policy ------------------------------------------------------------------


def _api_views() -> list[type]:
    return sorted(
        {callback.cls for _, _, _, callback in EndpointEnumerator().get_api_endpoints()},
        key=lambda cls: cls.__qualname__,
    )


def test_every_api_view_parses_json_through_the_guarded_parser() -> None:
    for view in _api_views():
        for parser in view.parser_classes:
            if issubclass(parser, DRFJSONParser):
                assert issubclass(parser, JSONParser), view


def test_every_api_filter_of_ids_dates_and_instants_holds_the_policy() -> None:
    """A filter set declaring django-filter's NumberFilter or DateFilter would bypass it."""
    ours = (policy_filters.IdFilter, policy_filters.DateFilter, policy_filters.IsoDateTimeFilter)
    plain = (filters.NumberFilter, filters.DateFilter, filters.IsoDateTimeFilter)
    checked = 0
    for view in _api_views():
        filterset = getattr(view, "filterset_class", None)
        for name, declared in filterset.base_filters.items() if filterset else ():
            if isinstance(declared, plain):
                checked += 1
                assert isinstance(declared, ours), f"{filterset.__qualname__}.{name}"
    assert checked >= 10


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_writable_date_or_time_field_holds_the_policy() -> None:
    """A serializer declaring serializers.DateTimeField() by hand would bypass the policy."""
    _api_views()  # imports every API module, so their serializers exist
    plain = (serializers.DateTimeField, serializers.DateField)
    ours = (policy_fields.DateTimeField, policy_fields.DateField)
    checked = 0
    for serializer_class in _all_subclasses(serializers.Serializer):
        if serializer_class.__module__.split(".")[0] not in (
            "accounts",
            "attendance",
            "recognition",
        ):
            continue
        try:
            fields = serializer_class().fields
        except Exception:
            continue
        for name, field in fields.items():
            if isinstance(field, plain) and not field.read_only:
                checked += 1
                assert isinstance(field, ours), f"{serializer_class.__qualname__}.{name}"
    assert checked >= 5
    assert models.DateTimeField in serializers.ModelSerializer.serializer_field_mapping


@pytest.mark.parametrize("unit", [str(2**70), "²", "-1", "x"])
@pytest.mark.django_db
def test_the_sessions_page_ignores_a_unit_that_is_no_id(tenant_a, client, unit) -> None:
    client.force_login(tenant_a.user(Role.REGISTRAR))
    assert client.get("/attendance/", {"unit": unit}).status_code == 200


@pytest.mark.django_db
def test_a_superuser_naming_an_id_beyond_64_bits_finds_no_institution(tenant_a) -> None:
    from accounts.tenant_resolution import resolve_user_membership
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True)
    assert resolve_user_membership(root, str(2**70), fallback_to_default=False) == (None, None)


@pytest.mark.django_db
def test_a_csv_with_nul_bytes_is_a_row_error(tenant_a, admin) -> None:
    text = b"external_id,first_name,last_name\nS-1,A\x00da,B\n"
    response = admin.post(
        f"{API}/people/import/",
        {"file": SimpleUploadedFile("p.csv", text), "dry_run": True},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["errors"]


@pytest.mark.django_db
def test_a_typed_sighting_outside_the_window_is_refused(tenant_a) -> None:
    from attendance.services.events import _draft_build

    errors = []
    draft = _draft_build(
        person_id=tenant_a.people[0].pk,
        camera=None,
        occurred_at=datetime(1, 1, 1, tzinfo=UTC),
        source=PresenceEvent.Source.MANUAL,
        now=timezone.now(),
        error=lambda field, message: errors.append(field),
    )
    assert draft is None and errors == ["occurred_at"]


@pytest.mark.django_db
def test_options_on_every_api_path_is_never_a_server_error(tenant_a, registrar) -> None:
    # me/default-institution/ edits the caller's own setting: PUT without an id in the URL.
    paths = [p for p, _, _, _ in EndpointEnumerator().get_api_endpoints() if "{" not in p]
    assert f"{API}/me/default-institution/" in paths
    for path in paths:
        assert registrar.options(path).status_code < 500, path
