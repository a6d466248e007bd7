"""The dashboard: what each app contributes for the current institution."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.dashboard import dashboard_summary
from attendance import selectors as attendance_selectors
from attendance.models import Status

RECENT_DAYS = 7


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context: dict = {"recent_days": RECENT_DAYS}
    if request.institution is not None:
        now = timezone.now()
        totals = attendance_selectors.status_totals(
            actor=request.actor, since=now - timedelta(days=RECENT_DAYS), until=now
        )
        context["summary"] = dashboard_summary(actor=request.actor)
        context["attendance"] = [(Status(value).label, value, n) for value, n in totals.items()]
    return render(request, "accounts/dashboard.html", context)
