"""Attendance API routes, mounted at /api/v1/attendance/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from attendance.api.views import events, excuses, records, reports, sessions, setup

router = SimpleRouter()
router.register("cameras", setup.CameraViewSet, basename="attendance-camera")
router.register("rules", setup.RuleViewSet, basename="attendance-rule")
router.register("schedules", setup.ScheduleViewSet, basename="attendance-schedule")
router.register("holidays", setup.HolidayViewSet, basename="attendance-holiday")
router.register("sessions", sessions.SessionViewSet, basename="attendance-session")
router.register("events", events.EventViewSet, basename="attendance-event")
router.register("records", records.RecordViewSet, basename="attendance-record")
router.register("excuses", excuses.ExcuseViewSet, basename="attendance-excuse")

urlpatterns = [
    path("settings/", setup.AttendanceSettingsView.as_view(), name="attendance-settings"),
    path("reports/roster/", reports.RosterReportView.as_view(), name="attendance-report-roster"),
    path(
        "reports/person-history/",
        reports.PersonHistoryReportView.as_view(),
        name="attendance-report-person-history",
    ),
    path(
        "reports/unit-summary/",
        reports.UnitSummaryReportView.as_view(),
        name="attendance-report-unit-summary",
    ),
    *router.urls,
]
