"""Reads of attendance data, scoped to what the actor may see.

Instructors see the sessions, records, events and excuses of the people in their own units;
other roles see the whole institution (accounts.selectors sets the pattern).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts import selectors as account_selectors
from accounts.actors import Actor
from attendance.models import (
    AttendanceRecord,
    AttendanceRule,
    Camera,
    Excuse,
    Holiday,
    PresenceEvent,
    RecordChange,
    Session,
    SessionSchedule,
    Status,
)


def camera_list(*, actor: Actor) -> QuerySet[Camera]:
    return Camera.objects.filter(institution=actor.institution).prefetch_related("units")


def rule_list(*, actor: Actor) -> QuerySet[AttendanceRule]:
    return AttendanceRule.objects.filter(institution=actor.institution).prefetch_related("units")


def holiday_list(*, actor: Actor) -> QuerySet[Holiday]:
    return Holiday.objects.filter(institution=actor.institution)


def _units(actor: Actor):
    return account_selectors.unit_list(actor=actor)


def schedule_list(*, actor: Actor) -> QuerySet[SessionSchedule]:
    schedules = SessionSchedule.objects.filter(institution=actor.institution)
    if not actor.sees_all_units:
        schedules = schedules.filter(unit__in=_units(actor))
    return schedules.select_related("unit").prefetch_related("cameras")


def session_list(*, actor: Actor) -> QuerySet[Session]:
    sessions = Session.objects.filter(institution=actor.institution)
    if not actor.sees_all_units:
        sessions = sessions.filter(unit__in=_units(actor))
    return sessions.select_related("unit")


def session_list_with_counts(*, actor: Actor) -> QuerySet[Session]:
    """Sessions with how many records have each status (for lists and dashboards)."""
    counts = {
        f"count_{status}": Count("records", filter=Q(records__status=status))
        for status in Status.values
    }
    return session_list(actor=actor).annotate(**counts).prefetch_related("cameras")


def event_list(*, actor: Actor) -> QuerySet[PresenceEvent]:
    events = PresenceEvent.objects.filter(institution=actor.institution)
    if not actor.sees_all_units:
        events = events.filter(person__in=account_selectors.person_list(actor=actor))
    return events.select_related("person", "camera")


def record_list(*, actor: Actor) -> QuerySet[AttendanceRecord]:
    records = AttendanceRecord.objects.filter(institution=actor.institution)
    if not actor.sees_all_units:
        records = records.filter(session__unit__in=_units(actor))
    return records.select_related("person", "session", "session__unit")


def record_history(*, record: AttendanceRecord) -> QuerySet[RecordChange]:
    return RecordChange.objects.filter(record=record).order_by("-changed_at", "-id")


def excuse_list(*, actor: Actor) -> QuerySet[Excuse]:
    excuses = Excuse.objects.filter(institution=actor.institution)
    if not actor.sees_all_units:
        excuses = excuses.filter(person__in=account_selectors.person_list(actor=actor))
    return excuses.select_related("person")


def status_totals(*, actor: Actor, since, until) -> dict[str, int]:
    """How many records of the actor's sessions in [since, until) have each status."""
    rows = (
        record_list(actor=actor)
        .filter(session__starts_at__gte=since, session__starts_at__lt=until)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals = dict.fromkeys(Status.values, 0)
    totals.update({row["status"]: row["n"] for row in rows})
    return totals
