"""The rule scenarios of issue 3, table-driven, through the real database and services.

Each row: a session (local times in the institution's zone), a rule, the events one person
produces, and what the finalised record must say. The flows that need more than one step
(excuse, override then a new event, no-show marking run twice, late data) follow the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from accounts.tenancy import tenant_scope
from attendance import services
from attendance.models import AttendanceRecord, PresenceEvent, RecordChange, Status

SPRING_FORWARD = date(2026, 3, 29)  # Europe/London: 01:00 GMT -> 02:00 BST
FALL_BACK = date(2026, 10, 25)  # Europe/London: 02:00 BST -> 01:00 GMT


@dataclass
class Scenario:
    id: str
    events: list[tuple]
    status: str
    minutes: int | None = None
    reason: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    not_flags: tuple[str, ...] = ()
    start: str = "09:00"
    end: str = "10:00"
    day: date | None = None
    rule: dict[str, Any] | None = None
    time_zone: str = "Europe/London"
    camera: dict[str, Any] | None = None
    stored_events: int | None = None
    final: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


SCENARIOS = [
    Scenario(
        "on time",
        [("08:58", "in"), ("10:01", "out")],
        Status.PRESENT,
        minutes=60,
        reason=("entered 08:58, left 10:01", "present 1 h: present"),
    ),
    Scenario("late within grace", [("09:04", "in"), ("10:00", "out")], Status.PRESENT, 56),
    Scenario("late exactly at the grace limit", [("09:05", "in")], Status.PRESENT),
    Scenario(
        "late beyond grace",
        [("09:07", "in"), ("10:00", "out")],
        Status.LATE,
        minutes=53,
        reason=("entered 09:07, grace 5 min: late",),
        flags=("late",),
    ),
    Scenario(
        "late by seconds with zero grace",
        [("09:00:30", "in"), ("10:00", "out")],
        Status.LATE,
        rule={"late_grace_minutes": 0},
        reason=("grace 0 min: late",),
    ),
    Scenario(
        "exit within 30 minutes of entry is absent",
        [("09:02", "in"), ("09:20", "out")],
        Status.ABSENT,
        minutes=18,
        reason=("entered 09:02, left 09:20", "under the 30-minute minimum: absent"),
        not_flags=("late", "left_early"),
    ),
    Scenario(
        "exit within the minimum with a zero minimum is only an early exit",
        [("09:02", "in"), ("09:20", "out")],
        Status.LEFT_EARLY,
        minutes=18,
        rule={"minimum_presence_minutes": 0},
        flags=("left_early",),
    ),
    Scenario(
        "exit, re-entry: pairs are summed",
        [("09:00", "in"), ("09:20", "out"), ("09:35", "in"), ("10:00", "out")],
        Status.PRESENT,
        minutes=45,
        reason=("entered 09:00, left 09:20, back 09:35, left 10:00", "45 min in all"),
    ),
    Scenario(
        "exit, re-entry: pairs summed fall under the minimum",
        [("09:00", "in"), ("09:10", "out"), ("09:50", "in"), ("10:00", "out")],
        Status.ABSENT,
        minutes=20,
        reason=("20 min in all, under the 30-minute minimum: absent",),
    ),
    Scenario(
        "exit, re-entry: span counts first IN to last OUT",
        [("09:00", "in"), ("09:10", "out"), ("09:50", "in"), ("10:00", "out")],
        Status.PRESENT,
        minutes=60,
        rule={"presence_counting": "span"},
    ),
    Scenario(
        "missing OUT counts to the end",
        [("09:01", "in")],
        Status.PRESENT,
        minutes=59,
        reason=("entered 09:01, no exit seen",),
        flags=("missing_out",),
    ),
    Scenario(
        "OUT without IN counts from the start",
        [("09:55", "out")],
        Status.PRESENT,
        minutes=55,
        reason=("no entry seen, left 09:55",),
        flags=("missing_in",),
        not_flags=("late",),
    ),
    Scenario(
        "OUT without IN early in the session is absent",
        [("09:20", "out")],
        Status.ABSENT,
        minutes=20,
        flags=("missing_in",),
    ),
    Scenario(
        "sighting before the entry window does not count",
        [("08:30", "in")],
        Status.ABSENT,
        minutes=0,
        reason=("seen 08:30, before the entry window (from 08:45): not counted", "absent"),
        flags=("seen_before_window",),
    ),
    Scenario(
        "sighting inside the entry window counts",
        [("08:46", "in"), ("10:00", "out")],
        Status.PRESENT,
        minutes=60,
    ),
    Scenario(
        "zero entry window: only from the start",
        [("08:59", "in")],
        Status.ABSENT,
        rule={"entry_window_minutes": 0},
        flags=("seen_before_window",),
    ),
    Scenario(
        "late and left early: late, with both flags",
        [("09:10", "in"), ("09:45", "out")],
        Status.LATE,
        minutes=35,
        reason=("entered 09:10, grace 5 min: late", "15 min before the end (grace 5 min)"),
        flags=("late", "left_early"),
    ),
    Scenario(
        "overnight shift across midnight",
        [("21:55", "in"), ("+1 06:02", "out")],
        Status.PRESENT,
        minutes=480,
        start="22:00",
        end="+1 06:00",
        rule={"minimum_presence_minutes": 240, "full_attendance_minutes": 480},
        reason=("entered 21:55, left 06:02 next day",),
    ),
    Scenario(
        "overnight shift: partial (half day)",
        [("22:00", "in"), ("+1 03:00", "out")],
        Status.PARTIAL,
        minutes=300,
        start="22:00",
        end="+1 06:00",
        rule={"minimum_presence_minutes": 240, "full_attendance_minutes": 480},
        reason=("left 03:00 next day", "under the 8 h full attendance: partial"),
        flags=("left_early",),
    ),
    Scenario(
        "overnight shift: under the half-day threshold is absent",
        [("22:00", "in"), ("+1 01:00", "out")],
        Status.ABSENT,
        minutes=180,
        start="22:00",
        end="+1 06:00",
        rule={"minimum_presence_minutes": 240, "full_attendance_minutes": 480},
        reason=("under the 240-minute minimum: absent",),
    ),
    Scenario(
        "DST spring forward: a 00:30-03:30 night is 2 real hours",
        [("00:30", "in"), ("03:30", "out")],
        Status.PRESENT,
        minutes=120,
        start="00:30",
        end="03:30",
        day=SPRING_FORWARD,
        reason=("entered 00:30, left 03:30",),
    ),
    Scenario(
        "DST fall back: a 00:30-02:30 night is 3 real hours",
        [("00:30", "in"), ("02:30", "out")],
        Status.PRESENT,
        minutes=180,
        start="00:30",
        end="02:30",
        day=FALL_BACK,
        reason=("entered 00:30, left 02:30",),
    ),
    Scenario(
        "DST fall back: late is measured in real minutes",
        [("00:40", "in"), ("02:30", "out")],
        Status.LATE,
        start="00:30",
        end="02:30",
        day=FALL_BACK,
        reason=("entered 00:40, grace 5 min: late",),
    ),
    Scenario(
        "institution time zone: times shown in Tokyo time",
        [("09:07", "in"), ("10:00", "out")],
        Status.LATE,
        minutes=53,
        time_zone="Asia/Tokyo",
        reason=("entered 09:07, grace 5 min: late",),
    ),
    Scenario(
        "duplicate sightings on one camera within the debounce window are one event",
        [("09:00", "in"), ("09:00:20", "in"), ("09:00:40", "in"), ("10:00", "out")],
        Status.PRESENT,
        minutes=60,
        camera={"role": "both"},
        stored_events=2,
        not_flags=("repeated_in",),
    ),
    Scenario(
        "out-of-order events are placed by time",
        [("10:00", "out"), ("09:40", "in"), ("09:00", "in"), ("09:30", "out")],
        Status.PRESENT,
        minutes=50,
        reason=("entered 09:00, left 09:30, back 09:40, left 10:00",),
    ),
    Scenario(
        "walking direction against the camera's entering side",
        [("09:00", "left_to_right"), ("09:50", "right_to_left")],
        Status.LEFT_EARLY,
        minutes=50,
        rule={"direction_mode": "walking_direction"},
        camera={"role": "both", "entering_direction": "left_to_right", "debounce_seconds": 0},
    ),
    Scenario(
        "alternating: a two-way camera with no direction",
        [("09:00", ""), ("09:20", ""), ("09:30", ""), ("10:00", "")],
        Status.PRESENT,
        minutes=50,
        rule={"direction_mode": "alternating"},
        camera={"role": "both"},
    ),
    Scenario(
        "camera role: an exit camera means OUT whatever was sent",
        [("09:00", "in"), ("09:40", "in", {"camera_role": "exit"})],
        Status.LEFT_EARLY,
        minutes=40,
    ),
    Scenario(
        "minimum capped at a short session",
        [("09:00", "in"), ("09:20", "out")],
        Status.PRESENT,
        minutes=20,
        end="09:20",
    ),
    Scenario(
        "not seen at all",
        [],
        Status.ABSENT,
        minutes=0,
        reason=("not seen between 08:45 and 10:30: absent",),
    ),
    Scenario(
        "not seen yet before finalisation is pending",
        [],
        Status.PENDING,
        final=False,
        reason=("pending until the session is finalised",),
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_rule_scenario(scenario: Scenario, desk, tenant_a) -> None:
    institution = tenant_a.institution
    institution.time_zone = scenario.time_zone
    institution.save()
    if scenario.day:
        desk.day = scenario.day
    person = tenant_a.people[0]
    camera = desk.camera(**scenario.camera) if scenario.camera else None
    exit_camera = None
    if any(len(e) > 2 and e[2].get("camera_role") == "exit" for e in scenario.events):
        exit_camera = desk.camera("Exit", role="exit")
    session = desk.session(scenario.start, scenario.end, rule=scenario.rule)
    rows = []
    for clock, direction, *more in scenario.events:
        row = {"person": person.pk, "occurred_at": desk.at(clock).isoformat()}
        if direction in ("in", "out"):
            row["direction"] = direction
        elif direction:
            row["walking_direction"] = direction
        if camera is not None:
            row["camera"] = camera.pk
        if more and more[0].get("camera_role") == "exit":
            row["camera"] = exit_camera.pk
        rows.append(row)
    if rows:
        report = desk.send(rows)
        assert report.ok, report.as_dict()
    if scenario.final:
        desk.finalise(session)
    else:
        with tenant_scope(institution):
            services.session_recompute(session=session, actor=None)
    record = desk.record(session, person)

    assert record.status == scenario.status, record.reason
    if scenario.minutes is not None:
        assert record.minutes_present == scenario.minutes, record.reason
    for text in scenario.reason:
        assert text in record.reason, record.reason
    for flag in scenario.flags:
        assert flag in record.flags, (flag, record.flags)
    for flag in scenario.not_flags:
        assert flag not in record.flags, (flag, record.flags)
    assert record.is_final is scenario.final
    if scenario.stored_events is not None:
        with tenant_scope(institution):
            assert PresenceEvent.objects.filter(person=person).count() == scenario.stored_events
    # Every record's current status is explained by its audit trail.
    with tenant_scope(institution):
        last = RecordChange.objects.filter(record=record).first()
    assert last is not None and last.status_after == record.status


# Flows of more than one step


@pytest.mark.django_db
def test_excused_absence_and_attendance_despite_an_excuse(desk, tenant_a) -> None:
    absent, attending = tenant_a.people[0], tenant_a.people[1]
    session = desk.session()
    with tenant_scope(tenant_a.institution):
        for person in (absent, attending):
            services.excuse_create(
                institution=tenant_a.institution,
                person=person,
                starts_at=desk.at("00:00"),
                ends_at=desk.at("23:59"),
                reason="school trip",
            )
    desk.events(attending, [("09:00", "in"), ("10:00", "out")])
    desk.finalise(session)
    record = desk.record(session, absent)
    assert record.status == Status.EXCUSED
    assert "excused: school trip" in record.reason
    assert record.excuse is not None
    kept = desk.record(session, attending)
    assert kept.status == Status.PRESENT
    assert "but they attended" in kept.reason


@pytest.mark.django_db
def test_excuse_recorded_after_finalisation_turns_absent_into_excused(desk, tenant_a) -> None:
    person = tenant_a.people[0]
    session = desk.session()
    desk.finalise(session)
    assert desk.record(session, person).status == Status.ABSENT
    with tenant_scope(tenant_a.institution):
        excuse = services.excuse_create(
            institution=tenant_a.institution,
            person=person,
            starts_at=desk.at("08:00"),
            ends_at=desk.at("12:00"),
            reason="doctor's note",
        )
    record = desk.record(session, person)
    assert record.status == Status.EXCUSED
    with tenant_scope(tenant_a.institution):
        change = RecordChange.objects.filter(record=record).first()
        assert change.kind == RecordChange.Kind.EXCUSE
        assert (change.status_before, change.status_after) == (Status.ABSENT, Status.EXCUSED)
        services.excuse_delete(excuse=excuse)
    assert desk.record(session, person).status == Status.ABSENT


@pytest.mark.django_db
def test_manual_override_survives_a_new_event_and_can_be_cleared(desk, tenant_a) -> None:
    from accounts.actors import Actor

    person = tenant_a.people[0]
    registrar = Actor(
        institution=tenant_a.institution, role="registrar", user=tenant_a.user("registrar")
    )
    session = desk.session()
    desk.events(person, [("09:02", "in"), ("09:20", "out")])
    assert desk.record(session, person).status == Status.ABSENT
    with tenant_scope(tenant_a.institution):
        services.record_override(
            record=desk.record(session, person),
            status=Status.EXCUSED,
            reason="called to the nurse",
            actor=registrar,
        )
    record = desk.record(session, person)
    assert record.status == Status.EXCUSED and record.computed_status == Status.ABSENT
    assert "set to excused by school-a-registrar: called to the nurse" in record.reason
    assert "override" in record.flags

    desk.events(person, [("09:40", "in")])  # a new event: recomputed, the override still wins
    record = desk.record(session, person)
    assert record.status == Status.EXCUSED
    assert record.computed_status == Status.PRESENT
    assert record.minutes_present == 18 + 20

    with tenant_scope(tenant_a.institution):
        services.record_override_clear(record=record, reason="came back", actor=registrar)
    record = desk.record(session, person)
    assert record.status == Status.PRESENT and not record.override_status
    assert "override" not in record.flags
    with tenant_scope(tenant_a.institution):
        trail = list(
            RecordChange.objects.filter(record=record)
            .order_by("changed_at", "id")
            .values_list("kind", "status_before", "status_after", "changed_by")
        )
    assert trail == [
        (RecordChange.Kind.COMPUTED, "", Status.ABSENT, "system"),
        (RecordChange.Kind.OVERRIDE, Status.ABSENT, Status.EXCUSED, "school-a-registrar"),
        (RecordChange.Kind.OVERRIDE_CLEARED, Status.EXCUSED, Status.PRESENT, "school-a-registrar"),
    ]


@pytest.mark.django_db
def test_no_show_marking_run_twice_gives_the_same_result(desk, tenant_a) -> None:
    session = desk.session()
    seen = tenant_a.people[0]
    desk.events(seen, [("09:00", "in"), ("10:00", "out")])
    later = session.ends_at + timedelta(hours=2)
    with tenant_scope(tenant_a.institution):
        first = services.sessions_advance(now=later)
        snapshot = list(
            AttendanceRecord.objects.order_by("person_id").values_list(
                "person_id", "status", "reason", "updated_at"
            )
        )
        changes = RecordChange.objects.count()
        second = services.sessions_advance(now=later + timedelta(minutes=5))
        assert first.finalised == [session.pk] and second.finalised == []
        assert (
            list(
                AttendanceRecord.objects.order_by("person_id").values_list(
                    "person_id", "status", "reason", "updated_at"
                )
            )
            == snapshot
        )
        assert RecordChange.objects.count() == changes
        statuses = dict(AttendanceRecord.objects.values_list("person_id", "status"))
    expected = {p.pk for p in tenant_a.people[:3]}  # the unit's people (conftest)
    assert set(statuses) == expected
    assert statuses.pop(seen.pk) == Status.PRESENT
    assert set(statuses.values()) == {Status.ABSENT}
    with tenant_scope(tenant_a.institution):
        no_show = RecordChange.objects.filter(kind=RecordChange.Kind.NO_SHOW)
        assert no_show.count() == len(statuses)
        assert set(no_show.values_list("changed_by", flat=True)) == {"system"}


@pytest.mark.django_db
def test_no_show_marking_catches_up_after_downtime(desk, tenant_a) -> None:
    sessions = [desk.session(day=desk.day + timedelta(days=n)) for n in range(3)]
    with tenant_scope(tenant_a.institution):
        report = services.sessions_advance(now=sessions[-1].ends_at + timedelta(days=1))
        assert sorted(report.finalised) == sorted(s.pk for s in sessions)
        assert not AttendanceRecord.objects.exclude(status=Status.ABSENT).exists()


@pytest.mark.django_db
def test_session_states_follow_the_clock(desk, tenant_a) -> None:
    session = desk.session()
    with tenant_scope(tenant_a.institution):
        services.sessions_advance(now=desk.at("08:30"))
        session.refresh_from_db()
        assert session.state == "scheduled"
        services.sessions_advance(now=desk.at("08:50"))
        session.refresh_from_db()
        assert session.state == "open"
        services.sessions_advance(now=desk.at("10:30"))
        session.refresh_from_db()
        assert session.state == "closed"
        services.sessions_advance(now=desk.at("11:00"))
        session.refresh_from_db()
        assert session.state == "finalised"


@pytest.mark.django_db
def test_late_device_data_after_finalisation_is_flagged_not_counted(desk, tenant_a) -> None:
    from accounts.actors import Actor

    person = tenant_a.people[0]
    session = desk.session()
    desk.finalise(session, now=desk.at("11:00"))
    assert desk.record(session, person).status == Status.ABSENT
    desk.events(person, [("09:00", "in"), ("10:00", "out")])
    record = desk.record(session, person)
    assert record.status == Status.ABSENT
    assert "late_data" in record.flags
    assert "arrived after finalisation" in record.reason
    registrar = Actor(institution=tenant_a.institution, role="registrar", user=None)
    with tenant_scope(tenant_a.institution):
        services.session_recompute(session=session, actor=registrar)
    record = desk.record(session, person)
    assert record.status == Status.PRESENT and "late_data" not in record.flags


@pytest.mark.django_db
def test_repeated_lateness_raises_a_flag_on_the_third_late(desk, tenant_a) -> None:
    person = tenant_a.people[0]
    records = []
    for n in range(3):
        day = desk.day + timedelta(days=n)
        session = desk.session(day=day)
        desk.events(person, [("09:10", "in"), ("10:00", "out")], day=day)
        records.append(desk.record(session, person))
    assert [r.status for r in records] == [Status.LATE] * 3
    assert "repeated_lateness" not in records[1].flags
    assert "repeated_lateness" in records[2].flags
    assert "3rd late in 30 days" in records[2].reason


@pytest.mark.django_db
def test_idempotency_key_replay_is_one_event(desk, tenant_a) -> None:
    person = tenant_a.people[0]
    session = desk.session()
    row = {
        "person": person.pk,
        "occurred_at": desk.at("09:00").isoformat(),
        "direction": "in",
        "idempotency_key": "door-7:123",
    }
    first = desk.send([row])
    second = desk.send([row, {**row, "occurred_at": desk.at("09:30").isoformat()}])
    assert first.items[0].status == "created"
    # The same event again is a duplicate; the key reused for another time is a conflict
    # (issue 24, F6), never silently the first event.
    assert [i.status for i in second.items] == ["duplicate", "error"]
    assert second.items[0].duplicate_of == "idempotency_key"
    assert second.items[0].event_id == first.items[0].event_id
    assert second.items[1].conflict and second.items[1].errors[0]["field"] == "idempotency_key"
    with tenant_scope(tenant_a.institution):
        assert PresenceEvent.objects.count() == 1
    assert desk.record(session, person).first_in == desk.at("09:00")
