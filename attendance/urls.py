from django.urls import path

from attendance.views import reports, sessions

urlpatterns = [
    path("", sessions.session_list, name="attendance-sessions"),
    path("week/", sessions.session_week, name="attendance-week"),
    path("sessions/<int:pk>/", sessions.session_detail, name="attendance-session"),
    path("sessions/<int:pk>/counts/", sessions.session_counts, name="attendance-session-counts"),
    path("sessions/<int:pk>/mark/", sessions.session_mark, name="attendance-session-mark"),
    path("sessions/<int:pk>/clear/", sessions.session_clear, name="attendance-session-clear"),
    path(
        "sessions/<int:pk>/finalise/", sessions.session_finalise, name="attendance-page-finalise"
    ),
    path("sessions/<int:pk>/excuse/", sessions.excuse_add, name="attendance-session-excuse"),
    path(
        "sessions/<int:pk>/presence/", sessions.presence_record, name="attendance-session-presence"
    ),
    path(
        "sessions/<int:pk>/people/<int:person_pk>/",
        sessions.roster_panel,
        name="attendance-roster-panel",
    ),
]

report_urlpatterns = [
    path("", reports.report_records, name="reports"),
    path("people/<int:pk>/", reports.person_history, name="report-person"),
]
