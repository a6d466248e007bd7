"""Reports as JSON, or as CSV / XLSX files with ?export=csv|xlsx."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors as account_selectors
from accounts.roles import Capability
from attendance import reports, selectors
from attendance.api.base import AttendanceAPIMixin
from attendance.exports import EXPORT_FORMATS, report_file
from gaitportal.api.fields import DateField
from gaitportal.downloads import attachment

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366

EXPORT_PARAMETER = OpenApiParameter(
    "export",
    str,
    enum=list(EXPORT_FORMATS),
    description="Download the report as a CSV or XLSX file instead of JSON.",
)
PERIOD_PARAMETERS = [
    OpenApiParameter(
        "date_from", OpenApiTypes.DATE, description="Local date (default: 30 days ago)."
    ),
    OpenApiParameter(
        "date_to", OpenApiTypes.DATE, description="Local date, inclusive (default: today)."
    ),
]
REPORT_RESPONSES = {
    200: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="{title, time_zone, columns: [{key, label}], summary, rows: [...]}; with "
        "export: a text/csv or XLSX file.",
    )
}


class _Query(serializers.Serializer):
    export = serializers.ChoiceField(choices=EXPORT_FORMATS, required=False)
    date_from = DateField(required=False)
    date_to = DateField(required=False)


class ReportView(AttendanceAPIMixin, GenericAPIView):
    read_capability = Capability.VIEW
    pagination_class = None
    filter_backends: list = []
    query_serializer = _Query

    def query(self, request: Request) -> dict:
        incoming = self.query_serializer(data=request.query_params)
        incoming.is_valid(raise_exception=True)
        return incoming.validated_data

    def period(self, values: dict) -> tuple[date, date]:
        today = timezone.localdate()  # the institution's zone is active
        end = values.get("date_to") or today
        start = values.get("date_from") or end - timedelta(days=DEFAULT_PERIOD_DAYS)
        if start > end:
            raise ValidationError({"date_from": ["The start comes after the end."]})
        if (end - start).days > MAX_PERIOD_DAYS:
            raise ValidationError({"date_from": [f"At most {MAX_PERIOD_DAYS} days."]})
        return start, end

    def respond(self, report: reports.Report, values: dict):
        export = values.get("export")
        if not export:
            return Response(report.as_dict())
        content, content_type, filename = report_file(report, export)
        return attachment(content, content_type=content_type, filename=filename)

    def find(self, queryset, pk, name: str):
        if pk is None:
            raise ValidationError({name: ["This parameter is required."]})
        try:
            return queryset.get(pk=int(pk))
        except (ValueError, TypeError) as error:
            raise ValidationError({name: ["Expected an id."]}) from error
        except queryset.model.DoesNotExist as error:
            raise NotFound(f"No such {name}.") from error


class RosterQuery(_Query):
    session = serializers.IntegerField()


class RosterReportView(ReportView):
    """A session's roster: every expected person, status, times, minutes, flags and reason."""

    query_serializer = RosterQuery

    @extend_schema(
        parameters=[OpenApiParameter("session", int, required=True), EXPORT_PARAMETER],
        responses=REPORT_RESPONSES,
    )
    def get(self, request: Request):
        values = self.query(request)
        session = self.find(
            selectors.session_list(actor=self.actor).select_related("institution"),
            values["session"],
            "session",
        )
        return self.respond(reports.session_roster(session=session), values)


class PersonHistoryQuery(_Query):
    person = serializers.IntegerField()


class PersonHistoryReportView(ReportView):
    """A person's records over a period, with counts, lates, early exits and rates."""

    query_serializer = PersonHistoryQuery

    @extend_schema(
        parameters=[
            OpenApiParameter("person", int, required=True),
            *PERIOD_PARAMETERS,
            EXPORT_PARAMETER,
        ],
        responses=REPORT_RESPONSES,
    )
    def get(self, request: Request):
        values = self.query(request)
        person = self.find(
            account_selectors.person_list(actor=self.actor).select_related("institution"),
            values["person"],
            "person",
        )
        start, end = self.period(values)
        visible = None if self.actor.sees_all_units else selectors.session_list(actor=self.actor)
        report = reports.person_history(person=person, start=start, end=end, sessions=visible)
        return self.respond(report, values)


class UnitSummaryQuery(_Query):
    unit = serializers.IntegerField()
    chronic_threshold = serializers.FloatField(
        required=False, min_value=0, max_value=1, default=reports.DEFAULT_CHRONIC_THRESHOLD
    )


class UnitSummaryReportView(ReportView):
    """A unit over a period: attendance rate, lates, early exits and chronic absentees."""

    query_serializer = UnitSummaryQuery

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, required=True),
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "chronic_threshold",
                float,
                description="Absence rate from which a person is a chronic absentee (0.10).",
            ),
            EXPORT_PARAMETER,
        ],
        responses=REPORT_RESPONSES,
    )
    def get(self, request: Request):
        values = self.query(request)
        unit = self.find(
            account_selectors.unit_list(actor=self.actor).select_related("institution"),
            values["unit"],
            "unit",
        )
        start, end = self.period(values)
        report = reports.unit_summary(
            unit=unit, start=start, end=end, chronic_threshold=values["chronic_threshold"]
        )
        return self.respond(report, values)
