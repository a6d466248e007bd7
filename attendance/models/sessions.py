"""Sessions (class meetings, work shifts), the weekly schedules that generate them, holidays."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from accounts.models import Institution, Unit
from accounts.tenancy import TenantOwnedModel
from attendance.models.cameras import Camera
from attendance.models.rules import AttendanceRule
from gaitportal.input_policy import (
    MAX_PERIOD,
    check_date,
    check_datetime,
    check_period_length,
    problems,
)

MAX_SESSION_LENGTH = timedelta(hours=24)


def validate_weekdays(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Give at least one weekday (0 = Monday ... 6 = Sunday).")
    if any(not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6 for day in value):
        raise ValidationError("Weekdays are numbers from 0 (Monday) to 6 (Sunday).")
    if len(set(value)) != len(value):
        raise ValidationError("A weekday is listed twice.")


class SessionSchedule(TenantOwnedModel):
    """A weekly timetable entry: on these weekdays, from start_time to end_time (local time).

    valid_from / valid_until are the term dates. An end_time at or before start_time means the
    session ends the next day (an overnight shift). Holidays are skipped.
    """

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="session_schedules"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="session_schedules")
    title = models.CharField(max_length=200)
    room = models.CharField(max_length=100, blank=True)
    cameras = models.ManyToManyField(Camera, related_name="session_schedules", blank=True)
    rule = models.ForeignKey(
        AttendanceRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="session_schedules",
        help_text="Overrides the unit's rule for the generated sessions. Empty: the unit's.",
    )
    weekdays = models.JSONField(
        default=list,
        validators=[validate_weekdays],
        help_text="Weekday numbers, 0 = Monday ... 6 = Sunday, e.g. [0, 2, 4].",
    )
    start_time = models.TimeField()
    end_time = models.TimeField(help_text="At or before the start time: ends the next day.")
    valid_from = models.DateField(help_text="First day of the term.")
    valid_until = models.DateField(help_text="Last day of the term.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__code", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="schedule_term_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_time:%H:%M}-{self.end_time:%H:%M})"

    @property
    def is_overnight(self) -> bool:
        return self.end_time <= self.start_time

    def clean(self) -> None:
        errors = problems(
            valid_from=lambda: self.valid_from and check_date(self.valid_from),
            valid_until=lambda: self.valid_until and check_date(self.valid_until),
        )
        if errors:
            raise ValidationError(errors)


class Holiday(TenantOwnedModel):
    """Days without sessions: schedules generate nothing from starts_on to ends_on inclusive."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="holiday_order")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on} - {self.ends_on})"

    def clean(self) -> None:
        if self.starts_on is None or self.ends_on is None:
            return
        errors = problems(
            starts_on=lambda: check_date(self.starts_on),
            ends_on=lambda: check_date(self.ends_on),
        )
        if not errors and self.ends_on < self.starts_on:
            errors["ends_on"] = "A holiday ends on or after its first day."
        if not errors:
            errors = problems(
                ends_on=lambda: check_period_length(self.starts_on, self.ends_on, limit=MAX_PERIOD)
            )
        if errors:
            raise ValidationError(errors)


class Session(TenantOwnedModel):
    """A class meeting or a work shift, for the active people of one unit.

    States move forward only: scheduled -> open (the entry window has begun) -> closed (ended)
    -> finalised (the rule's delay after the end has passed: no-shows marked absent).
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        FINALISED = "finalised", "Finalised"

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="attendance_sessions"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="attendance_sessions")
    title = models.CharField(max_length=200)
    room = models.CharField(max_length=100, blank=True)
    cameras = models.ManyToManyField(
        Camera,
        related_name="sessions",
        blank=True,
        help_text="Cameras whose sightings count for this session. Empty: every camera.",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    rule = models.ForeignKey(
        AttendanceRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        help_text="Overrides the unit's and the institution's rule for this session.",
    )
    schedule = models.ForeignKey(
        SessionSchedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        editable=False,
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.SCHEDULED, editable=False
    )
    finalised_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Closed early (finalised before its planned end, with a reason; audited): ends_at becomes
    # the close time, so nobody is credited with minutes that did not happen.
    planned_ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_early_by = models.CharField(max_length=200, blank=True, editable=False)
    close_early_reason = models.CharField(max_length=500, blank=True, editable=False)
    absence_notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["schedule", "starts_at"],
                condition=Q(schedule__isnull=False),
                name="unique_scheduled_session",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "starts_at"]),
            models.Index(fields=["unit", "starts_at"]),
            models.Index(fields=["state", "ends_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        errors = problems(
            starts_at=lambda: self.starts_at and check_datetime(self.starts_at),
            ends_at=lambda: self.ends_at and check_datetime(self.ends_at),
        )
        if errors:
            raise ValidationError(errors)
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                raise ValidationError({"ends_at": "A session ends after it starts."})
            if self.ends_at - self.starts_at > MAX_SESSION_LENGTH:
                raise ValidationError({"ends_at": "A session lasts at most 24 hours."})

    @property
    def is_finalised(self) -> bool:
        return self.state == self.State.FINALISED

    @property
    def closed_early(self) -> bool:
        return self.planned_ends_at is not None
