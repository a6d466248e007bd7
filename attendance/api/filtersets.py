"""Query filters of the attendance API (django-filter).

Related rows are filtered by id with IdFilter, not ModelChoiceFilter: django-filter builds
a ModelChoiceFilter's queryset when the class is defined, outside any tenant scope, and the
tenant manager fails closed there.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_filters import rest_framework as filters

from attendance.models import (
    AttendanceRecord,
    Excuse,
    PresenceEvent,
    Session,
    SessionSchedule,
    Status,
)
from gaitportal.api.filters import DateFilter, IdFilter, IsoDateTimeFilter


def _day_start(value):
    """A local date as the start of that day in the active (institution's) time zone."""
    return datetime.combine(value, time.min, tzinfo=timezone.get_current_timezone())


class LocalDateRangeFilterSet(filters.FilterSet):
    """`date_from` / `date_to`: local dates, inclusive, on the field named by `date_field`."""

    date_field = "starts_at"
    date_from = DateFilter(method="filter_date_from", label="From (local date)")
    date_to = DateFilter(method="filter_date_to", label="To (local date, inclusive)")

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__gte": _day_start(value)})

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__lt": _day_start(value + timedelta(days=1))})


class ScheduleFilter(filters.FilterSet):
    unit = IdFilter(field_name="unit_id")
    rule = IdFilter(field_name="rule_id")

    class Meta:
        model = SessionSchedule
        fields = ["unit", "rule", "is_active"]


class SessionFilter(LocalDateRangeFilterSet):
    unit = IdFilter(field_name="unit_id")
    schedule = IdFilter(field_name="schedule_id")
    rule = IdFilter(field_name="rule_id")
    starts_after = IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Session
        fields = ["unit", "state", "schedule", "rule"]


class EventFilter(LocalDateRangeFilterSet):
    date_field = "occurred_at"
    occurred_after = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    person = IdFilter(field_name="person_id")
    camera = IdFilter(field_name="camera_id")
    person_external_id = filters.CharFilter(field_name="person__external_id")

    class Meta:
        model = PresenceEvent
        fields = ["person", "camera", "direction", "source"]


class RecordFilter(LocalDateRangeFilterSet):
    date_field = "session__starts_at"
    session = IdFilter(field_name="session_id")
    person = IdFilter(field_name="person_id")
    unit = IdFilter(field_name="session__unit_id")
    status = filters.MultipleChoiceFilter(choices=Status.choices)
    flag = filters.CharFilter(method="filter_flag", label="Has this flag")
    overridden = filters.BooleanFilter(method="filter_overridden")
    person_external_id = filters.CharFilter(field_name="person__external_id")

    class Meta:
        model = AttendanceRecord
        fields = ["session", "person", "arrived_late", "left_early", "is_final"]

    def filter_flag(self, queryset, name, value):
        # Flags are a JSON list; filtering by containment is not portable to SQLite, so match
        # the quoted name inside the stored text (flag names are plain words).
        return queryset.filter(flags__icontains=f'"{value}"')

    def filter_overridden(self, queryset, name, value):
        return (
            queryset.exclude(override_status="") if value else queryset.filter(override_status="")
        )


class ExcuseFilter(filters.FilterSet):
    person = IdFilter(field_name="person_id")
    active_on = DateFilter(method="filter_active_on", label="Covers this local date")

    class Meta:
        model = Excuse
        fields = ["person"]

    def filter_active_on(self, queryset, name, value):
        start = _day_start(value)
        return queryset.filter(starts_at__lt=start + timedelta(days=1), ends_at__gt=start)
