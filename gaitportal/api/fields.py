"""Serializer fields that hold the input policy (gaitportal.input_policy) for the whole API.

GaitPortalConfig.ready() maps Django's date, time and datetime model fields to these for every
ModelSerializer; serializers that declare such fields by hand use these classes too
(tests/fuzz/test_input_edges.py checks that every writable one does).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gaitportal.input_policy import InputError, check_date, check_datetime

# HH:MM or HH:MM:SS[.ffffff], as DRF reads and writes times. OpenAPI's "time" format is RFC
# 3339's full-time, which demands an offset that a wall-clock time of a timetable has not.
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


class DateTimeField(serializers.DateTimeField):
    """ISO 8601 with a real offset (+-15:59 at most), inside the business window."""

    def enforce_timezone(self, value: datetime) -> datetime:
        try:
            check_datetime(value)
        except InputError as error:
            raise serializers.ValidationError(str(error), code="out_of_range") from error
        return super().enforce_timezone(value)

    def to_representation(self, value):
        # Local mean times before 1900 carry offsets in seconds (-00:01:15), which RFC 3339
        # cannot write: such a moment is shown in UTC.
        if isinstance(value, datetime) and value.utcoffset() is not None:
            zone = getattr(self, "timezone", None) or self.default_timezone()
            try:
                whole_minutes = not value.astimezone(zone).utcoffset().seconds % 60
            except OverflowError:
                whole_minutes = False
            if not whole_minutes:
                return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return super().to_representation(value)


class DateField(serializers.DateField):
    """An ISO date inside the business window."""

    def to_internal_value(self, value) -> date:
        day = super().to_internal_value(value)
        try:
            return check_date(day)
        except InputError as error:
            raise serializers.ValidationError(str(error), code="out_of_range") from error


@extend_schema_field({"type": "string", "pattern": TIME_PATTERN, "example": "09:00"})
class TimeField(serializers.TimeField):
    """A wall-clock time, HH:MM[:SS]; declared as a pattern, not RFC 3339's offset time."""
