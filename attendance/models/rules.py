"""Attendance rules: the thresholds that turn presence into a status (docs/ATTENDANCE_RULES.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models

from accounts.models import Institution, Unit
from accounts.tenancy import TenantOwnedModel

ONE_DAY_MINUTES = 24 * 60


class PresenceCounting(models.TextChoices):
    PAIRS = "pairs", "Sum of IN->OUT pairs"
    SPAN = "span", "First IN to last OUT"


class DirectionMode(models.TextChoices):
    CAMERA_ROLE = "camera_role", "Camera role (entry / exit camera)"
    WALKING_DIRECTION = "walking_direction", "Walking direction vs the camera's entering side"
    ALTERNATING = "alternating", "Alternating (IN, OUT, IN, ...)"


class AttendanceRule(TenantOwnedModel):
    """A named set of thresholds.

    Which rule a session uses: the session's own rule, else the rule of its unit (a unit is
    linked to at most one rule), else the institution's default (AttendanceSettings), else the
    built-in defaults below. Every field's exact meaning, including 0 and empty, is in
    docs/ATTENDANCE_RULES.md; the help texts are the short version.
    """

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="attendance_rules"
    )
    name = models.CharField(max_length=100)
    units = models.ManyToManyField(
        Unit,
        related_name="attendance_rules",
        blank=True,
        help_text="Units whose sessions use this rule (a unit has at most one rule).",
    )
    entry_window_minutes = models.PositiveIntegerField(
        default=15,
        validators=[MaxValueValidator(ONE_DAY_MINUTES)],
        help_text="Sightings count from this many minutes before the start. 0: from the start.",
    )
    exit_window_minutes = models.PositiveIntegerField(
        default=30,
        validators=[MaxValueValidator(ONE_DAY_MINUTES)],
        help_text="Sightings count until this many minutes after the end. 0: until the end.",
    )
    late_grace_minutes = models.PositiveIntegerField(
        default=5,
        validators=[MaxValueValidator(ONE_DAY_MINUTES)],
        help_text="A first IN up to this many minutes after the start is on time. 0: any IN "
        "after the start is late.",
    )
    early_exit_grace_minutes = models.PositiveIntegerField(
        default=5,
        validators=[MaxValueValidator(ONE_DAY_MINUTES)],
        help_text="A last OUT up to this many minutes before the end is not an early exit. 0: "
        "any OUT before the end is.",
    )
    minimum_presence_minutes = models.PositiveIntegerField(
        default=30,
        validators=[MaxValueValidator(ONE_DAY_MINUTES)],
        help_text="Present fewer minutes than this (capped at the session length): absent. "
        "0: any presence counts.",
    )
    full_attendance_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(ONE_DAY_MINUTES)],
        help_text="Shifts: present at least the minimum but fewer minutes than this (capped at "
        "the session length): partial (half day). Empty: no partial status.",
    )
    presence_counting = models.CharField(
        max_length=8, choices=PresenceCounting.choices, default=PresenceCounting.PAIRS
    )
    direction_mode = models.CharField(
        max_length=20, choices=DirectionMode.choices, default=DirectionMode.CAMERA_ROLE
    )
    finalise_after_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MaxValueValidator(7 * ONE_DAY_MINUTES)],
        help_text="Wait this long after the end for late device data before marking no-shows "
        "absent and finalising. 0: finalise at the end.",
    )
    lateness_flag_count = models.PositiveIntegerField(
        default=3,
        help_text="This many lates within the period raise a 'repeated lateness' flag. 0: never.",
    )
    lateness_flag_period_days = models.PositiveIntegerField(
        default=30,
        validators=[MaxValueValidator(366)],
        help_text="The period (days, ending with the session) in which lates are counted.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="unique_rule_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.full_attendance_minutes is not None
            and self.full_attendance_minutes < self.minimum_presence_minutes
        ):
            raise ValidationError(
                {
                    "full_attendance_minutes": "The full-attendance threshold cannot be below "
                    "the minimum presence."
                }
            )
