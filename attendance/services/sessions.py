"""Sessions: create, generate from schedules, advance through their states, finalise."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from accounts.actors import Actor
from accounts.models import Institution, Person, Unit
from accounts.tenancy import tenant_scope
from attendance.models import (
    AttendanceRecord,
    AttendanceRule,
    AttendanceSettings,
    Camera,
    Holiday,
    Session,
    SessionSchedule,
)
from attendance.services.records import (
    RefreshResult,
    actor_label,
    records_refresh,
    sessions_lock,
)
from attendance.services.rules import rules_for_sessions

GENERATE_DAYS_AHEAD = 14
# The widest entry window a rule allows: a session further ahead than this cannot be open yet.
MAX_ENTRY_WINDOW = timedelta(days=1)
SESSION_FIELDS = ("unit", "title", "room", "starts_at", "ends_at", "rule")
TIME_FIELDS = ("unit", "starts_at", "ends_at", "rule")
SCHEDULE_FIELDS = (
    "unit",
    "title",
    "room",
    "rule",
    "weekdays",
    "start_time",
    "end_time",
    "valid_from",
    "valid_until",
    "is_active",
)


def _same_institution(institution: Institution, **related: Any) -> None:
    for name, value in related.items():
        values = value if isinstance(value, list | tuple) else [value]
        if any(v is not None and v.institution_id != institution.pk for v in values):
            raise ValidationError({name: "Must belong to the same institution."})


def _default_cameras(unit: Unit) -> list[Camera]:
    return list(Camera.objects.filter(units=unit, is_active=True))


@transaction.atomic
def session_create(
    *,
    institution: Institution,
    unit: Unit,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    room: str = "",
    cameras: Iterable[Camera] | None = None,
    rule: AttendanceRule | None = None,
) -> Session:
    """A one-off session. Without cameras it takes the unit's cameras (none: every camera)."""
    cameras = list(cameras) if cameras is not None else _default_cameras(unit)
    _same_institution(institution, unit=unit, cameras=cameras, rule=rule)
    session = Session(
        institution=institution,
        unit=unit,
        title=title,
        room=room,
        starts_at=starts_at,
        ends_at=ends_at,
        rule=rule,
    )
    session.full_clean()
    session.save()
    session.cameras.set(cameras)
    return session


def _expected_person_ids(session: Session) -> set[int]:
    """The unit's active people now, plus anyone who already has a record."""
    expected = set(
        Person.objects.filter(units=session.unit_id, is_active=True).values_list("pk", flat=True)
    )
    expected |= set(
        AttendanceRecord.objects.filter(session=session).values_list("person_id", flat=True)
    )
    return expected


@transaction.atomic
def session_update(
    *,
    session: Session,
    cameras: Iterable[Camera] | None = None,
    actor: Actor | None = None,
    **changes: Any,
) -> Session:
    unknown = set(changes) - set(SESSION_FIELDS)
    if unknown:
        raise ValidationError(f"Not a session field: {', '.join(sorted(unknown))}.")
    (session,) = sessions_lock([session.pk])
    if session.is_finalised and (set(changes) & set(TIME_FIELDS) or cameras is not None):
        raise ValidationError(
            "A finalised session keeps its unit, times, rule and cameras; correct records with "
            "overrides instead."
        )
    _same_institution(
        session.institution,
        unit=changes.get("unit"),
        rule=changes.get("rule"),
        cameras=list(cameras or []),
    )
    for name, value in changes.items():
        setattr(session, name, value)
    session.full_clean()
    session.save()
    if cameras is not None:
        session.cameras.set(list(cameras))
    if set(changes) & set(TIME_FIELDS) or cameras is not None:
        records_refresh(
            pairs={session: _expected_person_ids(session)},
            actor=actor,
            why="session changed",
        )
    return session


@transaction.atomic
def session_delete(*, session: Session) -> None:
    (session,) = sessions_lock([session.pk])
    if session.is_finalised:
        raise ValidationError("A finalised session is part of the attendance history.")
    session.delete()


CLOSE_EARLY_REASON_MAX = 500


@transaction.atomic
def session_finalise(
    *,
    session: Session,
    now: datetime | None = None,
    actor: Actor | None = None,
    close_early_reason: str = "",
) -> RefreshResult | None:
    """Mark no-shows absent and lock the session against late data. Idempotent.

    Every expected person gets a final record: the never-seen become absent (or excused). A
    second call, or one for a session already finalised, changes nothing and returns None.
    The absence notice goes out after the transaction commits.

    Before the session's end this is refused (people not seen yet would become absent, people
    inside would be credited with minutes that have not happened) unless `close_early_reason`
    says why: the session is then closed early, at `now`: its end becomes the close time (the
    planned end, who and why are kept on the session, and every status change says so).
    """
    now = now or timezone.now()
    (session,) = sessions_lock([session.pk])
    if session.is_finalised:
        return None
    why = "session finalised"
    if now < session.ends_at:
        _close_early(session, now=now, actor=actor, reason=close_early_reason)
        local = now.astimezone(session.institution.tzinfo)
        why = (
            f"session closed early at {local:%H:%M} by {actor_label(actor)} "
            f"({session.close_early_reason})"
        )
    result = records_refresh(
        pairs={session: _expected_person_ids(session)},
        now=now,
        actor=actor,
        finalising=True,
        why=why,
    )
    Session.objects.filter(pk=session.pk).update(
        state=Session.State.FINALISED, finalised_at=now, updated_at=now
    )
    notify = AttendanceSettings.objects.filter(
        institution_id=session.institution_id, notify_absences=True
    ).exists()
    if notify:  # the notice itself checks again when it runs
        session_id = session.pk
        transaction.on_commit(
            lambda: async_task("attendance.tasks.send_absence_notice", session_id)
        )
    return result


def _close_early(session: Session, *, now: datetime, actor: Actor | None, reason: str) -> None:
    """End a running session at `now` (kept: the planned end, who, why)."""
    reason = (reason or "").strip()
    tz = session.institution.tzinfo
    if not reason:
        raise ValidationError(
            {
                "close_early_reason": (
                    f"The session runs until {session.ends_at.astimezone(tz):%Y-%m-%d %H:%M}: "
                    "finalising it now would mark everyone not seen yet absent. Wait until it "
                    "ends, or close it early and say why (it is audited)."
                )
            }
        )
    if len(reason) > CLOSE_EARLY_REASON_MAX:
        raise ValidationError(
            {"close_early_reason": f"At most {CLOSE_EARLY_REASON_MAX} characters."}
        )
    if now <= session.starts_at:
        raise ValidationError(
            {
                "close_early_reason": (
                    "The session has not started yet: move or delete it instead of closing it."
                )
            }
        )
    session.planned_ends_at = session.ends_at
    session.ends_at = now
    session.closed_early_by = actor_label(actor)
    session.close_early_reason = reason
    session.save(
        update_fields=[
            "planned_ends_at",
            "ends_at",
            "closed_early_by",
            "close_early_reason",
            "updated_at",
        ]
    )


@transaction.atomic
def session_recompute(
    *, session: Session, actor: Actor | None, include_late_data: bool = True
) -> RefreshResult:
    """A registrar's recompute: every expected record, counting late data when asked.

    For a finalised session the cut-off for late data moves to now, so later refreshes (an
    excuse, an override) keep counting what this recompute counted.
    """
    now = timezone.now()
    (session,) = sessions_lock([session.pk])
    result = records_refresh(
        pairs={session: _expected_person_ids(session)},
        now=now,
        actor=actor,
        include_late_data=include_late_data,
        why=f"recomputed by {actor.label if actor else 'system'}",
    )
    if session.is_finalised and include_late_data:
        Session.objects.filter(pk=session.pk).update(finalised_at=now)
    return result


@dataclass
class AdvanceReport:
    opened: int = 0
    closed: int = 0
    finalised: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"opened": self.opened, "closed": self.closed, "finalised": len(self.finalised)}


def sessions_advance(*, now: datetime | None = None, batch: int = 500) -> AdvanceReport:
    """Move every institution's sessions forward: open, closed, finalised (no-show marking).

    Run by a django-q2 schedule every few minutes. It works from the clock, not from the last
    run, so running it twice changes nothing the second time and a run after downtime catches
    up every session it missed (oldest first).
    """
    now = now or timezone.now()
    report = AdvanceReport()
    # Deliberately across institutions: a system job; each session is then handled in its own
    # institution's scope.
    pending = (
        Session.unscoped.exclude(state=Session.State.FINALISED)
        .filter(starts_at__lte=now + MAX_ENTRY_WINDOW)
        .select_related("institution")
        .order_by("ends_at", "pk")
    )
    last_pk, last_end = 0, None
    while True:
        page = pending
        if last_end is not None:
            page = page.filter(ends_at__gte=last_end).exclude(ends_at=last_end, pk__lte=last_pk)
        sessions = list(page[:batch])
        if not sessions:
            break
        last_end, last_pk = sessions[-1].ends_at, sessions[-1].pk
        rules = rules_for_sessions(sessions)
        to_open, to_close = [], []
        for session in sessions:
            params = rules[session.pk][1]
            if now >= session.ends_at + timedelta(minutes=params.finalise_after_minutes):
                with tenant_scope(session.institution):
                    if session_finalise(session=session, now=now) is not None:
                        report.finalised.append(session.pk)
            elif now >= session.ends_at:
                to_close.append(session.pk)
            elif now >= session.starts_at - timedelta(minutes=params.entry_window_minutes):
                to_open.append(session.pk)
        report.opened += Session.unscoped.filter(
            pk__in=to_open, state=Session.State.SCHEDULED
        ).update(state=Session.State.OPEN, updated_at=now)
        report.closed += (
            Session.unscoped.filter(pk__in=to_close)
            .exclude(state__in=[Session.State.CLOSED, Session.State.FINALISED])
            .update(state=Session.State.CLOSED, updated_at=now)
        )
        if len(sessions) < batch:
            break
    return report


# Schedules and holidays


def _local(day: date, moment, institution: Institution) -> datetime:
    """A local wall-clock time on a day as an aware UTC datetime (DST handled by zoneinfo)."""
    return datetime.combine(day, moment, tzinfo=institution.tzinfo).astimezone(UTC)


def _holiday_days(institution: Institution, start: date, end: date) -> set[date]:
    days: set[date] = set()
    for holiday in Holiday.objects.filter(
        institution=institution, starts_on__lte=end, ends_on__gte=start
    ):
        day = max(holiday.starts_on, start)
        while day <= min(holiday.ends_on, end):
            days.add(day)
            day += timedelta(days=1)
    return days


@transaction.atomic
def sessions_generate(*, schedule: SessionSchedule, start: date, end: date) -> list[Session]:
    """Create the schedule's sessions from start to end (local dates, inclusive). Idempotent.

    Skips days outside the term (valid_from..valid_until), other weekdays and holidays; a
    session already generated for a day is left as it is.
    """
    if not schedule.is_active:
        return []
    institution = schedule.institution
    first, last = max(start, schedule.valid_from), min(end, schedule.valid_until)
    if first > last:
        return []
    holidays = _holiday_days(institution, first, last)
    planned: list[Session] = []
    day = first
    while day <= last:
        if day.weekday() in schedule.weekdays and day not in holidays:
            end_day = day + timedelta(days=1) if schedule.is_overnight else day
            planned.append(
                Session(
                    institution=institution,
                    unit_id=schedule.unit_id,
                    title=schedule.title,
                    room=schedule.room,
                    starts_at=_local(day, schedule.start_time, institution),
                    ends_at=_local(end_day, schedule.end_time, institution),
                    rule_id=schedule.rule_id,
                    schedule=schedule,
                )
            )
        day += timedelta(days=1)
    if not planned:
        return []
    existing = set(
        Session.objects.filter(
            schedule=schedule, starts_at__in=[s.starts_at for s in planned]
        ).values_list("starts_at", flat=True)
    )
    new = [session for session in planned if session.starts_at not in existing]
    if not new:
        return []
    created = Session.objects.bulk_create(new)
    cameras = list(schedule.cameras.all()) or _default_cameras(schedule.unit)
    Session.cameras.through.objects.bulk_create(
        [
            Session.cameras.through(session_id=session.pk, camera_id=camera.pk)
            for session in created
            for camera in cameras
        ]
    )
    return created


def _local_today(institution: Institution, now: datetime) -> date:
    return now.astimezone(institution.tzinfo).date()


def sessions_generate_upcoming(
    *, now: datetime | None = None, days: int = GENERATE_DAYS_AHEAD
) -> int:
    """Generate the next `days` days of sessions for every active schedule (a daily job)."""
    now = now or timezone.now()
    created = 0
    schedules = SessionSchedule.unscoped.filter(is_active=True).select_related(
        "institution", "unit"
    )
    for schedule in schedules:
        with tenant_scope(schedule.institution):
            today = _local_today(schedule.institution, now)
            created += len(
                sessions_generate(schedule=schedule, start=today, end=today + timedelta(days=days))
            )
    return created


def _drop_future_generated(
    *, schedule: SessionSchedule | None = None, days: set[date] | None = None, now: datetime
) -> int:
    """Delete generated sessions that have not started and have no records (to regenerate)."""
    future = Session.objects.filter(
        state=Session.State.SCHEDULED, starts_at__gt=now, schedule__isnull=False
    ).exclude(records__isnull=False)
    if schedule is not None:
        future = future.filter(schedule=schedule)
    if days is not None:
        doomed = [
            s.pk
            for s in future.select_related("institution")
            if _local_today(s.institution, s.starts_at) in days
        ]
        future = Session.objects.filter(pk__in=doomed)
    return future.delete()[0]


@transaction.atomic
def schedule_create(
    *,
    institution: Institution,
    cameras: Iterable[Camera] = (),
    now: datetime | None = None,
    **values: Any,
) -> SessionSchedule:
    """A weekly timetable entry; its sessions for the next two weeks are generated at once."""
    cameras = list(cameras)
    _same_institution(
        institution, unit=values.get("unit"), rule=values.get("rule"), cameras=cameras
    )
    schedule = SessionSchedule(institution=institution, **values)
    schedule.full_clean()
    schedule.save()
    schedule.cameras.set(cameras)
    _generate_ahead(schedule, now or timezone.now())
    return schedule


def _generate_ahead(schedule: SessionSchedule, now: datetime) -> None:
    today = _local_today(schedule.institution, now)
    sessions_generate(
        schedule=schedule, start=today, end=today + timedelta(days=GENERATE_DAYS_AHEAD)
    )


@transaction.atomic
def schedule_update(
    *,
    schedule: SessionSchedule,
    cameras: Iterable[Camera] | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> SessionSchedule:
    """Change a timetable entry: its future sessions not yet started are generated again."""
    unknown = set(changes) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ValidationError(f"Not a schedule field: {', '.join(sorted(unknown))}.")
    now = now or timezone.now()
    _same_institution(
        schedule.institution,
        unit=changes.get("unit"),
        rule=changes.get("rule"),
        cameras=list(cameras or []),
    )
    for name, value in changes.items():
        setattr(schedule, name, value)
    schedule.full_clean()
    schedule.save()
    if cameras is not None:
        schedule.cameras.set(list(cameras))
    _drop_future_generated(schedule=schedule, now=now)
    _generate_ahead(schedule, now)
    return schedule


@transaction.atomic
def schedule_delete(*, schedule: SessionSchedule, now: datetime | None = None) -> None:
    """Remove a timetable entry and its sessions not yet started; past sessions stay."""
    _drop_future_generated(schedule=schedule, now=now or timezone.now())
    schedule.delete()


@transaction.atomic
def holiday_create(
    *, institution: Institution, name: str, starts_on: date, ends_on: date, now=None
) -> Holiday:
    """A holiday; generated sessions on those days that have not started are removed."""
    holiday = Holiday(institution=institution, name=name, starts_on=starts_on, ends_on=ends_on)
    holiday.full_clean()
    holiday.save()
    days = _holiday_days(institution, starts_on, ends_on)
    _drop_future_generated(days=days, now=now or timezone.now())
    return holiday


@transaction.atomic
def holiday_update(*, holiday: Holiday, **changes: Any) -> Holiday:
    for name, value in changes.items():
        setattr(holiday, name, value)
    holiday.full_clean()
    holiday.save()
    _drop_future_generated(
        days=_holiday_days(holiday.institution, holiday.starts_on, holiday.ends_on),
        now=timezone.now(),
    )
    return holiday


def holiday_delete(*, holiday: Holiday) -> None:
    """Sessions skipped for the holiday come back with the next daily generation."""
    holiday.delete()
