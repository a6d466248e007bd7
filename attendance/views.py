"""Pages: this week's sessions and a session's roster (every status with its reason).

Instructors see their own units' sessions; corrections (overrides, excuses) are made by
registrars in the admin or through the API.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import selectors as account_selectors
from attendance import reports, selectors
from attendance.models import Status
from gaitportal.input_policy import parse_id

DAYS_AROUND = 7


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if actor.institution is None:
        raise Http404("No institution selected.")
    now = timezone.now()
    sessions = (
        selectors.session_list_with_counts(actor=actor)
        .filter(
            starts_at__gte=now - timedelta(days=DAYS_AROUND),
            starts_at__lte=now + timedelta(days=DAYS_AROUND),
        )
        .order_by("-starts_at")
    )
    unit_id = parse_id(request.GET.get("unit", ""))
    if unit_id is not None:
        sessions = sessions.filter(unit_id=unit_id)
    with timezone.override(actor.institution.tzinfo):
        return render(
            request,
            "attendance/sessions.html",
            {
                "sessions": sessions,
                "units": account_selectors.unit_list(actor=actor).order_by("code"),
                "unit_id": unit_id,
                "statuses": [s for s in Status if s != Status.PENDING],
                "days": DAYS_AROUND,
            },
        )


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor
    if actor.institution is None:
        raise Http404("No institution selected.")
    session = (
        selectors.session_list(actor=actor).select_related("institution").filter(pk=pk).first()
    )
    if session is None:
        raise Http404("No such session.")
    roster = reports.session_roster(session=session)
    with timezone.override(actor.institution.tzinfo):
        return render(
            request,
            "attendance/session.html",
            {"session": session, "roster": roster, "counts": roster.summary["counts"]},
        )
