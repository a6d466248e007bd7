"""Camera sightings take the typed path: the same rules as rows, no re-parsing, no camera scan."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tenancy import tenant_scope
from attendance import services
from attendance.models import PresenceEvent, Status

pytestmark = pytest.mark.django_db


def _sight(desk, camera, person, clock: str, **extra):
    with tenant_scope(desk.institution):
        return services.sighting_record(
            camera=camera,
            person=person,
            occurred_at=desk.at(clock),
            now=extra.pop("now", desk.at("12:00")),
            **extra,
        )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"walking_direction": "sideways"}, "walking_direction"),
        ({"confidence": 1.5}, "confidence"),
        ({"confidence": -0.1}, "confidence"),
        ({"idempotency_key": "k" * 129}, "idempotency_key"),
        ({"now": None}, "occurred_at"),  # 09:00 seen from 08:00: in the future
    ],
)
def test_a_bad_sighting_is_refused_naming_the_field(desk, tenant_a, extra, field) -> None:
    door = desk.camera()
    if extra.get("now", "") is None:
        extra["now"] = desk.at("08:00")
    with pytest.raises(ValidationError) as caught:
        _sight(desk, door, tenant_a.people[0], "09:00", **extra)
    assert field in caught.value.message_dict
    with tenant_scope(desk.institution):
        assert not PresenceEvent.objects.exists()


def test_a_switched_off_camera_or_a_foreign_person_is_refused(desk, tenant_a, tenant_b) -> None:
    off = desk.camera("Old door", is_active=False)
    with pytest.raises(ValidationError) as caught:
        _sight(desk, off, tenant_a.people[0], "09:00")
    assert "switched off" in caught.value.message_dict["camera"][0]
    door = desk.camera()
    with pytest.raises(ValidationError) as caught:
        _sight(desk, door, tenant_b.people[0], "09:00")
    assert "person" in caught.value.message_dict


def test_a_naive_time_is_the_institutions_local_time(desk, tenant_a) -> None:
    tenant_a.institution.time_zone = "Asia/Tokyo"
    tenant_a.institution.save()
    door = desk.camera(role="entry")
    naive = desk.at("09:00").replace(tzinfo=None)
    with tenant_scope(desk.institution):
        item = services.sighting_record(
            camera=door, person=tenant_a.people[0], occurred_at=naive, now=desk.at("12:00")
        )
    assert item.event.occurred_at == desk.at("09:00")


def test_a_sighting_and_the_same_row_make_the_same_event_and_record(desk, tenant_a) -> None:
    """The typed path and the row path share one core: same direction, same record."""
    first, second = tenant_a.people[0], tenant_a.people[1]
    session = desk.session()
    door = desk.camera(role="both", entering_direction="toward")
    for clock, walking in (("08:58", "toward"), ("10:01", "away")):
        _sight(desk, door, first, clock, walking_direction=walking, confidence=0.9)
    desk.events(second, [("08:58", "toward"), ("10:01", "away")], camera=door)
    with tenant_scope(desk.institution):
        made = list(
            PresenceEvent.objects.order_by("person_id", "occurred_at").values_list(
                "person_id", "direction", "walking_direction", "camera_id"
            )
        )
    assert [row[1:] for row in made if row[0] == first.pk] == [
        row[1:] for row in made if row[0] == second.pk
    ]
    a, b = desk.record(session, first), desk.record(session, second)
    assert (a.status, a.minutes_present) == (b.status, b.minutes_present) == (Status.PRESENT, 60)


def test_debounce_and_idempotency_still_hold(desk, tenant_a) -> None:
    person = tenant_a.people[0]
    door = desk.camera(debounce_seconds=60)
    first = _sight(desk, door, person, "09:00", idempotency_key="rec-1")
    close = _sight(desk, door, person, "09:00:40")
    replay = _sight(desk, door, person, "09:30", idempotency_key="rec-1")
    later = _sight(desk, door, person, "09:02")
    assert first.status == "created"
    assert (close.status, close.duplicate_of, close.event_id) == (
        "duplicate",
        "debounce",
        first.event.pk,
    )
    assert (replay.status, replay.duplicate_of) == ("duplicate", "idempotency_key")
    assert later.status == "created"


def test_queries_do_not_grow_with_the_institutions_cameras(
    desk, tenant_a, django_assert_max_num_queries
) -> None:
    desk.session()
    door = desk.camera(role="entry", debounce_seconds=0)
    person = tenant_a.people[0]
    _sight(desk, door, person, "08:50")  # warm caches (content types, the record exists)
    with CaptureQueriesContext(connection) as few_cameras:
        _sight(desk, door, person, "08:55")
    for number in range(40):
        desk.camera(f"Door {number}")
    with django_assert_max_num_queries(len(few_cameras.captured_queries)):
        item = _sight(desk, door, person, "09:00")
    assert item.status == "created"
    # No query lists the institution's cameras (only those the events came from, by id).
    camera_queries = [
        q["sql"] for q in few_cameras.captured_queries if 'FROM "attendance_camera"' in q["sql"]
    ]
    assert all('"attendance_camera"."id" IN' in sql for sql in camera_queries), camera_queries


def test_a_sighting_recomputes_the_record_it_touches(desk, tenant_a) -> None:
    person = tenant_a.people[0]
    session = desk.session()
    door = desk.camera(role="entry")
    _sight(desk, door, person, "09:20", now=desk.at("09:21"))
    record = desk.record(session, person)
    assert record.first_in == desk.at("09:20")
    assert record.arrived_late
