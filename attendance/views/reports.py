"""Reports pages: records filtered by unit, person, period and status (on screen, CSV, XLSX),
a chart of the attendance rate per unit, and a person's history."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.models import Person
from accounts.page_access import page_actor, visible_or_denied
from attendance import charts, reports, selectors
from attendance.exports import report_file
from attendance.forms import ReportFilterForm
from attendance.models import Status

DEFAULT_DAYS = 30
PAGE_SIZE = 100
MAX_UNIT_CHARTS = 12


def _download(report: reports.Report, export: str) -> HttpResponse:
    content, content_type, filename = report_file(report, export)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def report_records(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    institution = actor.institution
    tz = institution.tzinfo
    units = account_selectors.unit_list(actor=actor).order_by("code")
    today = timezone.localdate(timezone=tz)
    start, end = today - timedelta(days=DEFAULT_DAYS - 1), today
    form = ReportFilterForm(
        request.GET or None, units=units, initial={"date_from": start, "date_to": end}
    )
    records = selectors.record_list(actor=actor)
    valid = not form.is_bound or form.is_valid()
    if form.is_bound and valid:
        data = form.cleaned_data
        start, end = data["date_from"] or start, data["date_to"] or end
        if data["unit"]:
            records = records.filter(session__unit_id=data["unit"])
        if data["person"]:
            term = data["person"]
            records = records.filter(
                Q(person__first_name__icontains=term)
                | Q(person__last_name__icontains=term)
                | Q(person__external_id__icontains=term)
            )
        if data["status"]:
            records = records.filter(status=data["status"])
    since, until = reports.period_bounds(institution, start, end)
    records = records.filter(session__starts_at__gte=since, session__starts_at__lt=until)
    if not valid:
        records = records.none()
    export = form.cleaned_data.get("export") if valid and form.is_bound else ""
    if export:
        report = reports.records_report(
            records=records, institution=institution, start=start, end=end
        )
        return _download(report, export)
    page = Paginator(records.order_by("-session__starts_at", "person__last_name"), PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    rows = reports.record_rows(page.object_list, tz=tz)
    decided = records.exclude(status=Status.PENDING)
    chart = charts.rate_bars(
        selectors.rate_by_unit(decided),
        label=f"Attendance rate per unit, {start:%d %b} to {end:%d %b %Y}",
    )
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    unit_charts = [
        (code, charts.rate_line(points, label=f"{code}: attendance rate per day"))
        for code, points in selectors.rate_by_unit_and_day(decided, tz=tz, days=days).items()
    ][:MAX_UNIT_CHARTS]
    return render(
        request,
        "attendance/reports.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "chart": chart,
            "unit_charts": unit_charts,
            "start": start,
            "end": end,
            "total": page.paginator.count,
        },
    )


@login_required
def person_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's attendance over a period (default 90 days), with a chart and downloads."""
    actor = page_actor(request)
    institution = actor.institution
    person = visible_or_denied(
        visible=account_selectors.person_list(actor=actor).select_related("institution"),
        institution_rows=Person.objects.filter(institution=institution),
        pk=pk,
        noun="person",
    )
    form = ReportFilterForm(request.GET or None)
    today = timezone.localdate(timezone=institution.tzinfo)
    start, end = today - timedelta(days=89), today
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["date_from"] or start
        end = form.cleaned_data["date_to"] or end
    visible = None if actor.sees_all_units else selectors.session_list(actor=actor)
    report = reports.person_history(person=person, start=start, end=end, sessions=visible)
    export = request.GET.get("export", "")
    if export in ("csv", "xlsx"):
        return _download(report, export)
    return render(
        request,
        "attendance/person_history.html",
        {"person": person, "report": report, "form": form, "start": start, "end": end},
    )
