"""The demo week: every status with its reason, and the same data when run twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.demo import seed_accounts_demo
from accounts.models import Institution
from accounts.tenancy import tenant_scope
from attendance.demo import seed_attendance_demo
from attendance.models import AttendanceRecord, PresenceEvent, RecordChange, Session, Status

NOW = datetime(2026, 3, 12, 15, 30, tzinfo=ZoneInfo("UTC"))  # a Thursday afternoon


def _state(institution: Institution) -> tuple:
    with tenant_scope(institution):
        return (
            Session.objects.count(),
            PresenceEvent.objects.count(),
            sorted(
                AttendanceRecord.objects.values_list("session_id", "person_id", "status", "reason")
            ),
            RecordChange.objects.count(),
        )


@pytest.mark.django_db
def test_demo_week_shows_every_status_and_is_idempotent() -> None:
    seed_accounts_demo()
    for institution in Institution.objects.order_by("slug"):
        first = seed_attendance_demo(institution=institution, now=NOW)
        before = _state(institution)
        again = seed_attendance_demo(institution=institution, now=NOW)
        assert _state(institution) == before, institution
        assert again["events_created"] == 0
        assert again["statuses"] == first["statuses"]
        assert set(first["statuses"]) == set(Status.values), (institution, first)
        with tenant_scope(institution):
            assert not AttendanceRecord.objects.filter(reason="").exists()
            assert AttendanceRecord.objects.exclude(override_status="").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 23, 7, 0, tzinfo=ZoneInfo("UTC")),  # Monday before the first lesson
        datetime(2026, 11, 25, 9, 5, tzinfo=ZoneInfo("UTC")),  # Wednesday, a lesson under way
        datetime(2026, 11, 27, 23, 30, tzinfo=ZoneInfo("UTC")),  # Friday night
        datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("UTC")),  # Sunday
    ],
)
def test_recent_week_shows_every_status_at_any_time(now: datetime) -> None:
    # The dashboard counts the last 7 days: the demo's excused rows must fall inside them.
    seed_accounts_demo()
    for institution in Institution.objects.order_by("slug"):
        seed_attendance_demo(institution=institution, now=now)
        with tenant_scope(institution):
            recent = set(
                AttendanceRecord.objects.filter(
                    session__starts_at__gte=now - timedelta(days=7), session__starts_at__lte=now
                ).values_list("status", flat=True)
            )
        assert {"present", "late", "absent", "excused"} <= recent, (institution, now, recent)
