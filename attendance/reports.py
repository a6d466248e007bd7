"""Attendance reports: a session's roster, a person's history, a unit's summary.

Each returns a `Report` (columns, rows of plain values, a summary) that the API renders as JSON
or exports as CSV / XLSX (attendance.exports). Times are in the institution's time zone.
Reads only, a fixed number of queries each (a 1,000-person roster is three queries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, Sum

from accounts.models import Person, Unit
from attendance import selectors
from attendance.models import ATTENDED_STATUSES, AttendanceRecord, Session, Status

DEFAULT_CHRONIC_THRESHOLD = 0.10  # absent from at least 10% of the sessions that count


@dataclass
class Report:
    title: str
    filename: str
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)
    time_zone: str = "UTC"

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "time_zone": self.time_zone,
            "columns": [{"key": key, "label": label} for key, label in self.columns],
            "summary": self.summary,
            "rows": self.rows,
        }


def _local(moment: datetime | None, tz) -> datetime | None:
    return moment.astimezone(tz) if moment is not None else None


def _period(institution, start: date, end: date) -> tuple[datetime, datetime]:
    tz = institution.tzinfo
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def period_bounds(institution, start: date, end: date) -> tuple[datetime, datetime]:
    """[since, until) of local dates start..end inclusive, for filtering session starts."""
    return _period(institution, start, end)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


ROSTER_COLUMNS = [
    ("external_id", "ID"),
    ("last_name", "Last name"),
    ("first_name", "First name"),
    ("status", "Status"),
    ("first_in", "First in"),
    ("last_out", "Last out"),
    ("minutes_present", "Minutes present"),
    ("flags", "Flags"),
    ("reason", "Reason"),
    ("overridden", "Manual"),
]


def session_roster(*, session: Session) -> Report:
    """Every expected person of a session with their status and its reason."""
    tz = session.institution.tzinfo
    rows: list[dict[str, Any]] = []
    records = AttendanceRecord.objects.filter(session=session).values_list(
        "pk",
        "person_id",
        "person__external_id",
        "person__last_name",
        "person__first_name",
        "status",
        "first_in",
        "last_out",
        "minutes_present",
        "flags",
        "reason",
        "override_status",
    )
    for (
        pk,
        person_id,
        ext,
        last,
        first,
        status,
        first_in,
        last_out,
        minutes,
        flags,
        reason,
        ov,
    ) in records:
        rows.append(
            {
                "record": pk,
                "person": person_id,
                "external_id": ext,
                "last_name": last,
                "first_name": first,
                "status": status,
                "first_in": _local(first_in, tz),
                "last_out": _local(last_out, tz),
                "minutes_present": minutes,
                "flags": flags,
                "reason": reason,
                "overridden": bool(ov),
            }
        )
    if not session.is_finalised:
        # Expected people not seen yet have no record until something happens or finalisation.
        seen = {row["person"] for row in rows}
        waiting = (
            Person.objects.filter(units=session.unit_id, is_active=True)
            .exclude(pk__in=seen)
            .values_list("pk", "external_id", "last_name", "first_name")
        )
        for person_id, ext, last, first in waiting:
            rows.append(
                {
                    "record": None,
                    "person": person_id,
                    "external_id": ext,
                    "last_name": last,
                    "first_name": first,
                    "status": Status.PENDING.value,
                    "first_in": None,
                    "last_out": None,
                    "minutes_present": 0,
                    "flags": [],
                    "reason": "not seen yet",
                    "overridden": False,
                }
            )
    rows.sort(key=lambda row: (row["last_name"], row["first_name"], row["external_id"]))
    # The counts every page and the API show (one definition: attendance.selectors).
    counts = selectors.session_status_counts(session=session)
    start = session.starts_at.astimezone(tz)
    end = session.ends_at.astimezone(tz)
    return Report(
        title=f"{session.title} ({session.unit.code}) {start:%Y-%m-%d %H:%M}-{end:%H:%M}",
        filename=f"roster-{session.unit.code}-{start:%Y%m%d-%H%M}",
        columns=ROSTER_COLUMNS,
        rows=rows,
        summary={
            "session": session.pk,
            "state": session.state,
            "starts_at": start,
            "ends_at": end,
            "expected": len(rows),
            "counts": counts,
            "attended": sum(counts[s] for s in ATTENDED_STATUSES),
        },
        time_zone=session.institution.time_zone,
    )


HISTORY_COLUMNS = [
    ("date", "Date"),
    ("session_title", "Session"),
    ("unit_code", "Unit"),
    ("starts_at", "Starts"),
    ("status", "Status"),
    ("first_in", "First in"),
    ("last_out", "Last out"),
    ("minutes_present", "Minutes present"),
    ("flags", "Flags"),
    ("reason", "Reason"),
]


def _status_summary(counts: dict[str, int], lates: int, early: int) -> dict[str, Any]:
    decided = sum(counts[s] for s in Status.values if s != Status.PENDING)
    counted = decided - counts[Status.EXCUSED]
    attended = sum(counts[s] for s in ATTENDED_STATUSES)
    return {
        "sessions": decided,
        "counts": counts,
        "lates": lates,
        "early_exits": early,
        "attendance_rate": _rate(attended, counted),
        "absence_rate": _rate(counts[Status.ABSENT], counted),
    }


def person_history(*, person: Person, start: date, end: date, sessions=None) -> Report:
    """A person's records over a date range (local dates, inclusive), oldest first."""
    tz = person.institution.tzinfo
    since, until = _period(person.institution, start, end)
    records = AttendanceRecord.objects.filter(
        person=person, session__starts_at__gte=since, session__starts_at__lt=until
    )
    if sessions is not None:
        records = records.filter(session__in=sessions)
    rows = []
    counts = {status: 0 for status in Status.values}
    lates = early = 0
    for values in records.order_by("session__starts_at").values(
        "session_id",
        "session__title",
        "session__unit__code",
        "session__starts_at",
        "status",
        "first_in",
        "last_out",
        "minutes_present",
        "flags",
        "reason",
        "arrived_late",
        "left_early",
    ):
        starts = _local(values["session__starts_at"], tz)
        counts[values["status"]] += 1
        lates += values["arrived_late"]
        early += values["left_early"]
        rows.append(
            {
                "session": values["session_id"],
                "date": starts.date(),
                "session_title": values["session__title"],
                "unit_code": values["session__unit__code"],
                "starts_at": starts,
                "status": values["status"],
                "first_in": _local(values["first_in"], tz),
                "last_out": _local(values["last_out"], tz),
                "minutes_present": values["minutes_present"],
                "flags": values["flags"],
                "reason": values["reason"],
            }
        )
    return Report(
        title=f"{person.full_name} ({person.external_id}) {start} to {end}",
        filename=f"history-{person.external_id}-{start:%Y%m%d}-{end:%Y%m%d}",
        columns=HISTORY_COLUMNS,
        rows=rows,
        summary={
            "person": person.pk,
            "from": start,
            "to": end,
            **_status_summary(counts, lates, early),
        },
        time_zone=person.institution.time_zone,
    )


SUMMARY_COLUMNS = [
    ("external_id", "ID"),
    ("last_name", "Last name"),
    ("first_name", "First name"),
    ("sessions", "Sessions"),
    ("present", "Present"),
    ("late", "Late"),
    ("left_early", "Left early"),
    ("partial", "Partial"),
    ("absent", "Absent"),
    ("excused", "Excused"),
    ("lates", "Arrived late"),
    ("early_exits", "Early exits"),
    ("minutes_present", "Minutes present"),
    ("attendance_rate", "Attendance rate"),
    ("absence_rate", "Absence rate"),
    ("chronic", "Chronic absentee"),
]


def unit_summary(
    *,
    unit: Unit,
    start: date,
    end: date,
    chronic_threshold: float = DEFAULT_CHRONIC_THRESHOLD,
) -> Report:
    """Per person and overall: attendance rate, lates, early exits, chronic absentees.

    Attendance rate = (present + late + left early + partial) / (decided sessions - excused);
    pending records are not counted. A chronic absentee is absent from at least
    `chronic_threshold` of the sessions that count.
    """
    since, until = _period(unit.institution, start, end)
    decided = ~Q(status=Status.PENDING)
    per_person = (
        AttendanceRecord.objects.filter(
            session__unit=unit, session__starts_at__gte=since, session__starts_at__lt=until
        )
        .filter(decided)
        .values("person_id", "person__external_id", "person__last_name", "person__first_name")
        .annotate(
            sessions=Count("pk"),
            **{f"n_{status}": Count("pk", filter=Q(status=status)) for status in Status.values},
            lates=Count("pk", filter=Q(arrived_late=True)),
            early_exits=Count("pk", filter=Q(left_early=True)),
            minutes_present=Sum("minutes_present"),
        )
        .order_by("person__last_name", "person__first_name", "person__external_id")
    )
    rows = []
    totals = {status: 0 for status in Status.values}
    lates = early = 0
    chronic = []
    for values in per_person:
        counts = {status: values[f"n_{status}"] for status in Status.values}
        for status, number in counts.items():
            totals[status] += number
        lates += values["lates"]
        early += values["early_exits"]
        stats = _status_summary(counts, values["lates"], values["early_exits"])
        is_chronic = (stats["absence_rate"] or 0) >= chronic_threshold
        row = {
            "person": values["person_id"],
            "external_id": values["person__external_id"],
            "last_name": values["person__last_name"],
            "first_name": values["person__first_name"],
            "sessions": values["sessions"],
            **{status: counts[status] for status in Status.values if status != Status.PENDING},
            "lates": values["lates"],
            "early_exits": values["early_exits"],
            "minutes_present": values["minutes_present"] or 0,
            "attendance_rate": stats["attendance_rate"],
            "absence_rate": stats["absence_rate"],
            "chronic": is_chronic,
        }
        rows.append(row)
        if is_chronic:
            chronic.append(
                {
                    "person": row["person"],
                    "external_id": row["external_id"],
                    "name": f"{row['first_name']} {row['last_name']}",
                    "absence_rate": row["absence_rate"],
                }
            )
    session_count = Session.objects.filter(
        unit=unit, starts_at__gte=since, starts_at__lt=until
    ).count()
    overall = _status_summary(totals, lates, early)
    overall["records"] = overall.pop("sessions")
    return Report(
        title=f"{unit.code} {unit.name}: {start} to {end}",
        filename=f"summary-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}",
        columns=SUMMARY_COLUMNS,
        rows=rows,
        summary={
            "unit": unit.pk,
            "from": start,
            "to": end,
            "sessions": session_count,
            "chronic_threshold": chronic_threshold,
            "chronic_absentees": chronic,
            **overall,
        },
        time_zone=unit.institution.time_zone,
    )


RECORD_COLUMNS = [
    ("date", "Date"),
    ("session_title", "Session"),
    ("unit_code", "Unit"),
    ("external_id", "ID"),
    ("last_name", "Last name"),
    ("first_name", "First name"),
    ("status", "Status"),
    ("first_in", "First in"),
    ("last_out", "Last out"),
    ("minutes_present", "Minutes present"),
    ("reason", "Reason"),
    ("overridden", "Manual"),
]


def record_rows(records, *, tz) -> list[dict[str, Any]]:
    """Plain rows of attendance records: one query whatever their number (values() joins)."""
    rows = []
    for values in records.values(
        "pk",
        "session_id",
        "session__title",
        "session__unit__code",
        "session__starts_at",
        "person_id",
        "person__external_id",
        "person__last_name",
        "person__first_name",
        "status",
        "first_in",
        "last_out",
        "minutes_present",
        "reason",
        "override_status",
    ):
        starts = _local(values["session__starts_at"], tz)
        rows.append(
            {
                "record": values["pk"],
                "session": values["session_id"],
                "person": values["person_id"],
                "date": starts.date(),
                "starts_at": starts,
                "session_title": values["session__title"],
                "unit_code": values["session__unit__code"],
                "external_id": values["person__external_id"],
                "last_name": values["person__last_name"],
                "first_name": values["person__first_name"],
                "status": values["status"],
                "first_in": _local(values["first_in"], tz),
                "last_out": _local(values["last_out"], tz),
                "minutes_present": values["minutes_present"],
                "reason": values["reason"],
                "overridden": bool(values["override_status"]),
            }
        )
    return rows


def records_report(*, records, institution, start: date, end: date) -> Report:
    """The records a filter selected (the reports page), for CSV / XLSX."""
    rows = record_rows(
        records.order_by("session__starts_at", "person__last_name"), tz=institution.tzinfo
    )
    for row in rows:
        row["status"] = Status(row["status"]).label
    return Report(
        title=f"Attendance records {start} to {end}",
        filename=f"attendance-{start:%Y%m%d}-{end:%Y%m%d}",
        columns=RECORD_COLUMNS,
        rows=rows,
        summary={"from": start, "to": end, "records": len(rows)},
        time_zone=institution.time_zone,
    )
