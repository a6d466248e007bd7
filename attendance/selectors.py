"""Reads of attendance data, scoped to what the actor may see.

Instructors see the sessions, records, events and excuses of the people in their own units;
other roles see the whole institution (accounts.selectors sets the pattern).
"""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from accounts import selectors as account_selectors
from accounts.actors import Actor
from accounts.models import Person
from attendance.models import (
    ATTENDED_STATUSES,
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


def _count(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of a correlated queryset as a scalar subquery (no GROUP BY on the outer query)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_status_counts(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate `count_<status>` for every status: the one definition of a session's counts.

    A status counts the session's records that have it; `count_pending` also counts the
    expected people (the unit's active people) with no record yet while the session is not
    finalised: exactly the rows the roster lists (attendance.reports.session_roster).
    One query whatever the number of sessions or people: each count is a scalar subquery on
    the (session, status) index. (Counting through a join made the outer query GROUP BY, and
    PostgreSQL then ran the pending subquery once per joined record: 2 s for 1,000 people.)
    """
    records = AttendanceRecord.unscoped.filter(session_id=OuterRef("pk"))
    not_recorded = Person.unscoped.filter(units=OuterRef("unit_id"), is_active=True).exclude(
        Exists(
            AttendanceRecord.unscoped.filter(
                session_id=OuterRef(OuterRef("pk")), person_id=OuterRef("pk")
            )
        )
    )
    waiting = Case(
        When(state=Session.State.FINALISED, then=Value(0)),
        default=_count(not_recorded),
        output_field=IntegerField(),
    )
    return sessions.annotate(
        **{
            f"count_{status}": (
                _count(records.filter(status=status)) + waiting
                if status == Status.PENDING
                else _count(records.filter(status=status))
            )
            for status in Status.values
        }
    )


def session_list_with_counts(*, actor: Actor) -> QuerySet[Session]:
    """Sessions with their counts per status (lists, the dashboard, the API)."""
    return with_status_counts(session_list(actor=actor)).prefetch_related("cameras")


def session_status_counts(*, session: Session) -> dict[str, int]:
    """One session's counts per status, by the same definition as the lists."""
    row = with_status_counts(Session.objects.filter(pk=session.pk)).values(
        *(f"count_{status}" for status in Status.values)
    )
    values = row.get()
    return {status: values[f"count_{status}"] for status in Status.values}


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
    """Counts per status over the actor's sessions starting in [since, until) (the dashboard).

    The sums of the per-session counts (with_status_counts), so the totals always agree with the
    sessions list and the rosters.
    """
    sessions = with_status_counts(
        session_list(actor=actor).filter(starts_at__gte=since, starts_at__lt=until)
    )
    sums = sessions.aggregate(
        **{status: Sum(f"count_{status}", default=0) for status in Status.values}
    )
    return {status: int(sums[status] or 0) for status in Status.values}


def _rate_counts() -> dict:
    """attended / counted; counted = decided records that are not excused (as in reports)."""
    return {
        "attended": Count("pk", filter=Q(status__in=list(ATTENDED_STATUSES))),
        "counted": Count("pk", filter=~Q(status__in=[Status.PENDING, Status.EXCUSED])),
        "absent": Count("pk", filter=Q(status=Status.ABSENT)),
    }


def _rate(attended: int, counted: int) -> float | None:
    return attended / counted if counted else None


def rate_by_unit(records: QuerySet[AttendanceRecord]) -> list[tuple[str, float | None]]:
    """Attendance rate per unit over these records, one query."""
    rows = (
        records.order_by()
        .values("session__unit__code")
        .annotate(**_rate_counts())
        .order_by("session__unit__code")
    )
    return [(row["session__unit__code"], _rate(row["attended"], row["counted"])) for row in rows]


def rate_by_day(records: QuerySet[AttendanceRecord], *, tz, days: list) -> list[tuple]:
    """Attendance rate per local day (of the session's start), None for days without data."""
    rows = (
        records.order_by()
        .annotate(day=TruncDate("session__starts_at", tzinfo=tz))
        .values("day")
        .annotate(**_rate_counts())
    )
    by_day = {row["day"]: _rate(row["attended"], row["counted"]) for row in rows}
    return [(day, by_day.get(day)) for day in days]


def rate_by_unit_and_day(
    records: QuerySet[AttendanceRecord], *, tz, days: list
) -> dict[str, list[tuple]]:
    """Attendance rate per unit per local day, one query: {unit code: [(day, rate or None)]}."""
    rows = (
        records.order_by()
        .annotate(day=TruncDate("session__starts_at", tzinfo=tz))
        .values("session__unit__code", "day")
        .annotate(**_rate_counts())
    )
    by_unit: dict[str, dict] = {}
    for row in rows:
        by_unit.setdefault(row["session__unit__code"], {})[row["day"]] = _rate(
            row["attended"], row["counted"]
        )
    return {
        code: [(day, rates.get(day)) for day in days] for code, rates in sorted(by_unit.items())
    }


def chronic_absentees(
    records: QuerySet[AttendanceRecord], *, threshold: float, limit: int = 10
) -> list[dict]:
    """People absent from at least `threshold` of their counted records, worst first.

    Two queries: the counts grouped by person id alone (grouping by the names as well made
    PostgreSQL sort the joined rows: 100 ms for 11,000 records), then the few names.
    """
    rows = list(
        records.order_by()
        .values("person_id")
        .annotate(**_rate_counts())
        .filter(counted__gt=0, absent__gte=threshold * F("counted"))
        .order_by("-absent", "person_id")[:limit]
    )
    people = Person.objects.in_bulk([row["person_id"] for row in rows])
    return [
        {
            "person": row["person_id"],
            "name": people[row["person_id"]].full_name,
            "external_id": people[row["person_id"]].external_id,
            "absent": row["absent"],
            "counted": row["counted"],
            "absence_rate": row["absent"] / row["counted"],
        }
        for row in rows
        if row["person_id"] in people
    ]
