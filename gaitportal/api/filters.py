"""Query filters that hold the input policy (gaitportal.input_policy) for every list endpoint.

Filter sets declare ids, dates and instants with these, so `?date_to=9999-12-31`,
`?starts_before=2026-01-01T00:00:00-17:41` or `?person=1e300` answer a 400 naming the
parameter instead of overflowing in Python or in the database.
"""

from __future__ import annotations

from django import forms
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from gaitportal.input_policy import MAX_ID, InputError, check_date, check_datetime


class _DateFormField(forms.DateField):
    def to_python(self, value):
        day = super().to_python(value)
        if day is not None:
            try:
                check_date(day)
            except InputError as error:
                raise forms.ValidationError(str(error), code="out_of_range") from error
        return day


class _IsoDateTimeFormField(filter_fields.IsoDateTimeField):
    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            try:
                check_datetime(moment)
            except InputError as error:
                raise forms.ValidationError(str(error), code="out_of_range") from error
        return moment


class _IdFormField(forms.IntegerField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class DateFilter(filters.DateFilter):
    field_class = _DateFormField


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = _IsoDateTimeFormField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A related row's id (a whole number), not any decimal."""

    field_class = _IdFormField
