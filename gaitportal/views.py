"""The dashboard: what each app contributes for the current institution.

Today's sessions with their counts (polled by htmx every 15 s), the last days' totals, the
attendance rate over 30 days as a chart and the chronic absentees; every tile links to the list
behind it. A fixed number of queries whatever the institution's size.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.dashboard import dashboard_summary
from accounts.page_access import page_actor
from attendance import charts, reports
from attendance import selectors as attendance_selectors
from attendance.models import Status
from recognition import selectors as recognition_selectors
from recognition.models import Decision, GaitSample

RECENT_DAYS = 7
RATE_DAYS = 30
RECENT_RECOGNITIONS = 6


def _today_sessions(actor):
    tz = actor.institution.tzinfo
    today = timezone.localdate(timezone=tz)
    start = datetime.combine(today, time.min, tzinfo=tz)
    return today, (
        attendance_selectors.session_list_with_counts(actor=actor)
        .filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
        .order_by("starts_at", "pk")
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context: dict = {"recent_days": RECENT_DAYS, "rate_days": RATE_DAYS}
    if request.institution is not None:
        actor = request.actor
        tz = actor.institution.tzinfo
        now = timezone.now()
        totals = attendance_selectors.status_totals(
            actor=actor, since=now - timedelta(days=RECENT_DAYS), until=now
        )
        today, sessions = _today_sessions(actor)
        first = today - timedelta(days=RATE_DAYS - 1)
        since, until = reports.period_bounds(actor.institution, first, today)
        records = attendance_selectors.record_list(actor=actor).filter(
            session__starts_at__gte=since, session__starts_at__lt=until
        )
        days = [first + timedelta(days=i) for i in range(RATE_DAYS)]
        context.update(
            summary=dashboard_summary(actor=actor),
            attendance=[(Status(value).label, value, n) for value, n in totals.items()],
            today=today,
            today_sessions=sessions,
            rate_chart=charts.rate_line(
                attendance_selectors.rate_by_day(records, tz=tz, days=days),
                label=f"Attendance rate per day, last {RATE_DAYS} days",
            ),
            chronic=attendance_selectors.chronic_absentees(
                records, threshold=reports.DEFAULT_CHRONIC_THRESHOLD
            ),
            chronic_threshold=reports.DEFAULT_CHRONIC_THRESHOLD,
            period_from=first,
            **_recognition_summary(actor),
        )
        with timezone.override(tz):
            return render(request, "accounts/dashboard.html", context)
    return render(request, "accounts/dashboard.html", context)


def _recognition_summary(actor) -> dict:
    """Latest recognitions, how many wait for review, samples still in the worker's hands."""
    recognitions = recognition_selectors.recognition_list(actor=actor)
    samples = recognition_selectors.sample_list(actor=actor)
    return {
        "recent_recognitions": list(
            recognitions.order_by("-occurred_at", "-pk")[:RECENT_RECOGNITIONS]
        ),
        "review_waiting": recognitions.filter(decision=Decision.NEEDS_REVIEW).count(),
        "samples_pending": samples.filter(
            status__in=[GaitSample.Status.QUEUED, GaitSample.Status.PROCESSING]
        ).count(),
    }


@login_required
def dashboard_today(request: HttpRequest) -> HttpResponse:
    """Today's sessions with their counts alone (the dashboard polls it)."""
    actor = page_actor(request)
    today, sessions = _today_sessions(actor)
    with timezone.override(actor.institution.tzinfo):
        return render(
            request,
            "accounts/_today.html",
            {"today_sessions": sessions, "today": today},
        )
