"""Event ingestion: per-row errors, nothing half-written, debounce, sightings from cameras."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from accounts.tenancy import tenant_scope
from attendance import engine, services
from attendance.models import AttendanceRecord, PresenceEvent, Status
from tests.factories import PersonFactory


def test_engine_statuses_match_the_model() -> None:
    assert {s.value for s in engine.Status} == set(Status.values)


@pytest.mark.django_db
def test_bad_rows_get_their_own_errors_and_good_rows_are_kept(desk, tenant_a, tenant_b) -> None:
    session = desk.session()
    camera = desk.camera()
    foreign_camera = None
    with tenant_scope(tenant_b.institution):
        foreign_camera = services.camera_create(institution=tenant_b.institution, name="B door")
    good = tenant_a.people[0]
    at = desk.at("09:00").isoformat()
    rows = [
        {"person": good.pk, "occurred_at": at, "direction": "in", "camera": camera.pk},
        {"person": tenant_b.people[0].pk, "occurred_at": at, "direction": "in"},
        {"person": good.pk, "occurred_at": at, "camera": 999999},
        {"person": good.pk, "occurred_at": at, "camera": foreign_camera.pk},
        {"person": good.pk, "occurred_at": (desk.at("09:00") + timedelta(days=30)).isoformat()},
        "not an object",
        {"person": good.pk, "occurred_at": "yesterday-ish"},
        {"person": good.pk, "occurred_at": at, "direction": "sideways", "colour": "red"},
        {"person_external_id": tenant_a.people[1].external_id, "occurred_at": at},
        {"occurred_at": at},
        {"person": good.pk, "occurred_at": at, "confidence": 3},
    ]
    report = desk.send(rows, now=desk.at("12:00"))
    statuses = [item.status for item in report.items]
    assert statuses == [
        "created",
        "error",
        "error",
        "error",
        "error",
        "error",
        "error",
        "error",
        "created",
        "error",
        "error",
    ]
    messages = {item.index: item.errors for item in report.items if item.errors}
    assert messages[1] == [
        {
            "field": "person",
            "message": f"No person with id {tenant_b.people[0].pk} in this institution.",
        }
    ]
    assert messages[2][0]["field"] == "camera" and "999999" in messages[2][0]["message"]
    assert messages[3][0]["field"] == "camera"  # another institution's camera is unknown here
    assert messages[4][0]["field"] == "occurred_at" and "future" in messages[4][0]["message"]
    assert messages[5][0]["field"] == ""
    assert messages[6][0]["field"] == "occurred_at"
    assert {e["field"] for e in messages[7]} == {"", "direction"}
    assert messages[9][0]["field"] == "person"
    assert messages[10][0]["field"] == "confidence"
    data = report.as_dict()
    assert (data["received"], data["created"], data["errors"], data["ok"]) == (11, 2, 9, False)
    with tenant_scope(tenant_a.institution):
        assert PresenceEvent.objects.count() == 2
        assert AttendanceRecord.objects.filter(session=session).count() == 2
    with tenant_scope(tenant_b.institution):
        assert PresenceEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_failure_while_writing_leaves_nothing_half_written(desk, tenant_a) -> None:
    desk.session()
    rows = [
        {"person": p.pk, "occurred_at": desk.at("09:00").isoformat(), "direction": "in"}
        for p in tenant_a.people[:3]
    ]
    with (
        mock.patch(
            "attendance.services.events.records_refresh", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError),
    ):
        desk.send(rows)
    with tenant_scope(tenant_a.institution):
        assert PresenceEvent.objects.count() == 0
        assert AttendanceRecord.objects.count() == 0


@pytest.mark.django_db
def test_too_many_rows_is_refused_whole(desk) -> None:
    with pytest.raises(ValidationError):
        desk.send([{}] * 5001)


@pytest.mark.django_db
def test_naive_times_are_the_institutions_local_time(desk, tenant_a) -> None:
    tenant_a.institution.time_zone = "America/New_York"
    tenant_a.institution.save()
    session = desk.session()
    person = tenant_a.people[0]
    desk.send([{"person": person.pk, "occurred_at": "2026-03-02T09:07:00", "direction": "in"}])
    record = desk.record(session, person)
    assert record.first_in == desk.at("09:07")
    assert "entered 09:07" in record.reason


@pytest.mark.django_db
def test_debounce_is_per_person_and_camera_and_zero_keeps_everything(desk, tenant_a) -> None:
    door = desk.camera("Door", role="entry", debounce_seconds=60)
    raw = desk.camera("Raw", role="entry", debounce_seconds=0)
    a, b = tenant_a.people[0], tenant_a.people[1]
    at = desk.at("09:00")
    rows = [
        {"person": a.pk, "camera": door.pk, "occurred_at": at.isoformat()},
        {
            "person": a.pk,
            "camera": door.pk,
            "occurred_at": (at + timedelta(seconds=59)).isoformat(),
        },
        {"person": b.pk, "camera": door.pk, "occurred_at": (at + timedelta(seconds=5)).isoformat()},
        {"person": a.pk, "camera": raw.pk, "occurred_at": at.isoformat()},
        {"person": a.pk, "camera": raw.pk, "occurred_at": (at + timedelta(seconds=1)).isoformat()},
        {
            "person": a.pk,
            "camera": door.pk,
            "occurred_at": (at + timedelta(seconds=61)).isoformat(),
        },
    ]
    report = desk.send(rows)
    assert [i.status for i in report.items] == [
        "created",
        "duplicate",
        "created",
        "created",
        "created",
        "created",
    ]
    assert report.items[1].event_id == report.items[0].event_id
    assert report.items[1].duplicate_of == "debounce"
    # A later request with an earlier sighting inside the window is a duplicate too.
    late = desk.send(
        [
            {
                "person": a.pk,
                "camera": door.pk,
                "occurred_at": (at - timedelta(seconds=30)).isoformat(),
            }
        ]
    )
    assert late.items[0].status == "duplicate"


@pytest.mark.django_db
def test_manual_marks_without_camera_debounce_by_direction(desk, tenant_a) -> None:
    person = tenant_a.people[0]
    at = desk.at("09:00")
    report = desk.send(
        [
            {"person": person.pk, "occurred_at": at.isoformat(), "direction": "in"},
            {"person": person.pk, "occurred_at": at.isoformat(), "direction": "in"},
            {
                "person": person.pk,
                "occurred_at": (at + timedelta(seconds=20)).isoformat(),
                "direction": "out",
            },
        ]
    )
    assert [i.status for i in report.items] == ["created", "duplicate", "created"]


@pytest.mark.django_db
def test_events_of_people_outside_the_unit_or_inactive_make_no_record(desk, tenant_a) -> None:
    session = desk.session()
    outsider = tenant_a.people[3]  # in the other unit
    inactive = PersonFactory(
        institution=tenant_a.institution, units=[tenant_a.unit], is_active=False
    )
    desk.send(
        [
            {"person": p.pk, "occurred_at": desk.at("09:00").isoformat(), "direction": "in"}
            for p in (outsider, inactive)
        ]
    )
    with tenant_scope(tenant_a.institution):
        assert PresenceEvent.objects.count() == 2
        assert not AttendanceRecord.objects.filter(session=session).exists()


@pytest.mark.django_db
def test_sighting_record_decides_direction_from_the_camera(desk, tenant_a) -> None:
    person = tenant_a.people[0]
    session = desk.session()
    door = desk.camera("Two-way", role="both", entering_direction="toward")
    exit_only = desk.camera("Exit", role="exit")
    with tenant_scope(tenant_a.institution):
        entered = services.sighting_record(
            camera=door,
            person=person,
            occurred_at=desk.at("08:59"),
            walking_direction="toward",
            confidence=0.93,
            now=desk.at("12:00"),
        )
        left = services.sighting_record(
            camera=door,
            person=person,
            occurred_at=desk.at("09:59"),
            walking_direction="away",
            now=desk.at("12:00"),
        )
        unknown = services.sighting_record(
            camera=door,
            person=person,
            occurred_at=desk.at("11:00"),
            walking_direction="left_to_right",
            now=desk.at("12:00"),
        )
        by_role = services.sighting_record(
            camera=exit_only, person=person, occurred_at=desk.at("11:30"), now=desk.at("12:00")
        )
        again = services.sighting_record(
            camera=door,
            person=person,
            occurred_at=desk.at("08:59:30"),
            walking_direction="toward",
            now=desk.at("12:00"),
        )
    assert entered.status == "created" and entered.event.direction == "in"
    assert entered.event.source == "recognition" and entered.event.confidence == 0.93
    assert left.event.direction == "out"
    assert unknown.event.direction == ""
    assert by_role.event.direction == "out"
    assert again.status == "duplicate" and again.event_id == entered.event.pk
    record = desk.record(session, person)
    assert record.status == Status.PRESENT and record.minutes_present == 59


@pytest.mark.django_db
def test_sighting_record_links_what_produced_it_and_is_idempotent(desk, tenant_a) -> None:
    person = tenant_a.people[0]
    door = desk.camera("Door", role="entry", debounce_seconds=0)
    producer = tenant_a.people[2]  # any saved row stands in for a Recognition
    with tenant_scope(tenant_a.institution):
        first = services.sighting_record(
            camera=door,
            person=person,
            occurred_at=desk.at("09:00"),
            produced_by=producer,
            now=desk.at("12:00"),
        )
        second = services.sighting_record(
            camera=door,
            person=person,
            occurred_at=desk.at("09:05"),
            produced_by=producer,
            now=desk.at("12:00"),
        )
    assert first.event.produced_by == producer
    assert first.event.idempotency_key == f"accounts.person:{producer.pk}"
    assert second.status == "duplicate" and second.duplicate_of == "idempotency_key"


@pytest.mark.django_db
def test_sighting_record_refuses_a_person_of_another_institution(desk, tenant_b) -> None:
    door = desk.camera()
    with tenant_scope(desk.institution), pytest.raises(ValidationError):
        services.sighting_record(
            camera=door, person=tenant_b.people[0], occurred_at=desk.at("09:00")
        )


@pytest.mark.django_db
def test_deleting_a_wrong_event_recomputes_and_is_audited(desk, tenant_a) -> None:
    from attendance.models import RecordChange

    person = tenant_a.people[0]
    session = desk.session()
    report = desk.events(person, [("09:00", "in"), ("09:10", "out")])
    assert desk.record(session, person).status == Status.ABSENT
    with tenant_scope(tenant_a.institution):
        wrong = PresenceEvent.objects.get(pk=report.items[1].event_id)
        services.event_delete(event=wrong, actor=None, reason="exit camera misread")
        change = RecordChange.objects.filter(record__session=session).first()
    record = desk.record(session, person)
    assert record.status == Status.PRESENT
    assert "exit camera misread" in change.why
