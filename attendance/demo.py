"""Demo attendance: rules, cameras, weekly schedules, a week of sessions and presence events.

`seed_attendance_demo(institution=...)` is called by `manage.py seed_demo` for each demo
institution after its units and people exist. Idempotent: rows are found by name, sessions by
(schedule, start), events by idempotency key, so a second run on the same day changes nothing.
The week shows every status with its reason: present, late, left early, partial, absent (a
no-show and a too-short visit), excused (an excuse and a manual override) and pending (today).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Institution, Membership, Person, Unit
from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance import services
from attendance.models import (
    AttendanceRecord,
    AttendanceRule,
    Camera,
    Excuse,
    PresenceEvent,
    Session,
    SessionSchedule,
)
from attendance.services.rules import rule_for_session

DAYS_BACK = 7
WEEKDAYS = [0, 1, 2, 3, 4]

# (start, end) local times of each unit's daily session, by position of the unit.
SCHOOL_TIMES = [(time(9, 0), time(10, 0)), (time(10, 30), time(11, 30)), (time(13, 0), time(14, 0))]
COMPANY_TIMES = [(time(8, 0), time(16, 0)), (time(9, 0), time(17, 0)), (time(22, 0), time(6, 0))]

# What one person does at one session; every kind of outcome appears in a week.
PATTERNS = [
    "on_time",
    "on_time",
    "late",
    "on_time",
    "left_early",
    "short_visit",
    "on_time",
    "no_show",
    "missing_out",
    "re_entry",
    "partial",
    "on_time",
    "late_and_left_early",
]


def _rules(institution: Institution, units: list[Unit]) -> dict[int, AttendanceRule]:
    """A default rule for the institution and one unit with a 'full attendance' threshold."""
    if institution.kind == Institution.Kind.COMPANY:
        specs = [
            (
                "Shifts",
                units,
                {
                    "entry_window_minutes": 30,
                    "exit_window_minutes": 60,
                    "late_grace_minutes": 10,
                    "early_exit_grace_minutes": 10,
                    "minimum_presence_minutes": 240,
                    "full_attendance_minutes": 450,
                    "finalise_after_minutes": 120,
                },
            )
        ]
    else:
        specs = [
            ("Lessons", units[:-1], {}),
            ("Labs", units[-1:], {"full_attendance_minutes": 50}),
        ]
    by_unit: dict[int, AttendanceRule] = {}
    for name, rule_units, thresholds in specs:
        rule = AttendanceRule.objects.filter(name=name).first()
        if rule is None:
            rule = services.rule_create(
                institution=institution, name=name, units=rule_units, **thresholds
            )
        by_unit.update({unit.pk: rule for unit in rule_units})
    default = next(iter(by_unit.values()))
    services.attendance_settings_update(institution=institution, default_rule=default)
    return by_unit


def _cameras(institution: Institution, units: list[Unit]) -> tuple[Camera, Camera]:
    cameras = []
    for name, role in (("Main entrance", Camera.Role.ENTRY), ("Main exit", Camera.Role.EXIT)):
        camera = Camera.objects.filter(name=name).first()
        if camera is None:
            camera = services.camera_create(
                institution=institution, name=name, room="Lobby", role=role, units=units
            )
        cameras.append(camera)
    if not Camera.objects.filter(name="Side door").exists():
        services.camera_create(
            institution=institution,
            name="Side door",
            room="Corridor",
            role=Camera.Role.BOTH,
            entering_direction="left_to_right",
        )
    return cameras[0], cameras[1]


def _schedules(institution: Institution, units: list[Unit], today, now) -> list[SessionSchedule]:
    times = COMPANY_TIMES if institution.kind == Institution.Kind.COMPANY else SCHOOL_TIMES
    schedules = []
    for unit, (start, end) in zip(units, times, strict=False):
        title = f"{unit.name} ({'shift' if institution.kind == 'company' else 'lesson'})"
        schedule = SessionSchedule.objects.filter(unit=unit, title=title).first()
        if schedule is None:
            schedule = services.schedule_create(
                institution=institution,
                unit=unit,
                title=title,
                room=f"Room {unit.code}",
                weekdays=WEEKDAYS,
                start_time=start,
                end_time=end,
                valid_from=today - timedelta(days=60),
                valid_until=today + timedelta(days=120),
                now=now,
            )
        schedules.append(schedule)
    return schedules


def _pattern(person_index: int, day_index: int) -> str:
    """What a person does at a session: the patterns rotate over people and sessions."""
    return PATTERNS[(person_index * 5 + day_index) % len(PATTERNS)]


def _plan(pattern: str, start: datetime, end: datetime, long: bool) -> list[tuple[str, datetime]]:
    """The (direction, time) events of one pattern."""
    minute = timedelta(minutes=1)
    scale = 8 if long else 1  # shifts are eight times longer than lessons
    return {
        "on_time": [("in", start - 3 * minute), ("out", end + 2 * minute)],
        "late": [("in", start + 12 * minute * (2 if long else 1)), ("out", end + minute)],
        "left_early": [("in", start - 2 * minute), ("out", end - 20 * minute)],
        "short_visit": [("in", start + 2 * minute), ("out", start + 18 * minute)],
        "no_show": [],
        "missing_out": [("in", start - minute)],
        "re_entry": [
            ("in", start - minute),
            ("out", start + 20 * scale * minute),
            ("in", start + 30 * scale * minute),
            ("out", end + minute),
        ],
        "partial": [("in", start), ("out", start + (300 if long else 40) * minute)],
        "late_and_left_early": [
            ("in", start + (15 if long else 10) * minute),
            ("out", end - (12 if long else 15) * minute),
        ],
    }[pattern]


@transaction.atomic
def seed_attendance_demo(
    *, institution: Institution, now: datetime | None = None
) -> dict[str, Any]:
    """Create or refresh an institution's demo attendance; returns what it holds."""
    now = now or timezone.now()
    with tenant_scope(institution):
        registrar = (
            Membership.objects.filter(role=Role.REGISTRAR)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        actor = Actor(
            institution=institution,
            role=Role.REGISTRAR,
            user=registrar.user if registrar is not None else None,
        )
        units = list(Unit.objects.order_by("pk")[:3])
        if not units:
            return {"sessions": 0, "events_created": 0, "records": 0, "statuses": {}}
        today = now.astimezone(institution.tzinfo).date()
        _rules(institution, units)
        entrance, exit_camera = _cameras(institution, units)
        schedules = _schedules(institution, units, today, now)
        for schedule in schedules:
            services.sessions_generate(
                schedule=schedule, start=today - timedelta(days=DAYS_BACK), end=today
            )
        sessions = list(
            Session.objects.filter(
                schedule__in=schedules,
                starts_at__gte=now - timedelta(days=DAYS_BACK + 1),
                starts_at__lte=now,
            ).order_by("starts_at", "pk")
        )
        rows = []
        for day_index, session in enumerate(sessions):
            long = session.ends_at - session.starts_at > timedelta(hours=4)
            people = Person.objects.filter(units=session.unit_id, is_active=True).order_by("pk")
            for person_index, person in enumerate(people):
                pattern = _pattern(person_index, day_index)
                rng = random.Random(f"{session.pk}:{person.pk}")
                for number, (direction, moment) in enumerate(
                    _plan(pattern, session.starts_at, session.ends_at, long)
                ):
                    moment += timedelta(seconds=rng.randint(0, 50))
                    if moment > now:
                        continue
                    manual = rng.random() < 0.1
                    rows.append(
                        {
                            "person": person.pk,
                            "camera": None
                            if manual
                            else (entrance.pk if direction == "in" else exit_camera.pk),
                            "direction": direction,
                            "occurred_at": moment,
                            "source": "manual" if manual else "recognition",
                            "confidence": None if manual else round(0.8 + rng.random() / 5, 3),
                            "idempotency_key": f"demo:{session.pk}:{person.pk}:{number}",
                            "note": "marked by the teacher" if manual else "",
                        }
                    )
        created = 0
        for first in range(0, len(rows), 1000):
            report = services.events_ingest(
                institution=institution,
                rows=rows[first : first + 1000],
                actor=actor,
                source=PresenceEvent.Source.API,
                now=now,
            )
            created += report.count("created")

        _excuse_and_override(institution, sessions, actor, now)
        for session in sessions:
            _, params = rule_for_session(session)
            if session.ends_at + timedelta(minutes=params.finalise_after_minutes) <= now:
                services.session_finalise(session=session, now=now)
            else:  # today: everyone expected gets a record, pending until seen or finalised
                services.session_recompute(session=session, actor=None, include_late_data=False)
        for schedule in schedules:  # the next session of each: everyone expected, pending
            upcoming = schedule.sessions.filter(starts_at__gt=now).order_by("starts_at").first()
            if upcoming is not None:
                services.session_recompute(session=upcoming, actor=None, include_late_data=False)
                sessions.append(upcoming)
        statuses = Counter(
            AttendanceRecord.objects.filter(session__in=sessions).values_list("status", flat=True)
        )
        return {
            "sessions": len(sessions),
            "events_created": created,
            "records": sum(statuses.values()),
            "statuses": dict(sorted(statuses.items())),
        }


def _excuse_and_override(
    institution: Institution, sessions: list[Session], actor: Actor, now: datetime
) -> None:
    """An excused absence (a doctor's note) and a manual correction, once each."""
    past = [s for s in sessions if s.ends_at <= now]
    if len(past) < 3:
        return
    # The latest past session and someone who skipped it, so the excuse changes an absence and
    # lands inside the dashboard's recent window whatever the time of day.
    session = past[-1]
    people = list(Person.objects.filter(units=session.unit_id, is_active=True).order_by("pk"))
    if not people:
        return
    day_index = sessions.index(session)
    no_shows = [p for i, p in enumerate(people) if _pattern(i, day_index) == "no_show"]
    person = no_shows[0] if no_shows else people[-1]
    tz = institution.tzinfo
    day = session.starts_at.astimezone(tz).date()
    starts = datetime.combine(day, time.min, tzinfo=tz)
    if not Excuse.objects.filter(person=person, starts_at=starts).exists():
        services.excuse_create(
            institution=institution,
            person=person,
            starts_at=starts,
            ends_at=starts + timedelta(days=1),
            reason="Medical appointment (doctor's note)",
            actor=actor,
        )
    absent = (
        AttendanceRecord.objects.filter(session__in=past, status="absent", override_status="")
        .exclude(person=person)
        .order_by("-session__starts_at", "person_id")
        .first()
    )
    if (
        absent is not None
        and not AttendanceRecord.objects.exclude(override_status="")
        .filter(session__in=past)
        .exists()
    ):
        reason = (
            "Approved leave, entered late by the manager"
            if institution.kind == Institution.Kind.COMPANY
            else "Representing the school at the regional maths fair (confirmed by the office)"
        )
        services.record_override(record=absent, status="excused", reason=reason, actor=actor)
