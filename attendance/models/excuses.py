"""Excused absences and leave."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from accounts.models import Institution, Person
from accounts.tenancy import TenantOwnedModel
from gaitportal.input_policy import MAX_PERIOD, check_datetime, check_period_length, problems


class Excuse(TenantOwnedModel):
    """A registrar's record that a person is excused for a period (illness, leave, a trip).

    Sessions overlapping the period turn absent into excused; presence is still shown as
    presence (an excused person who attends is present).
    """

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="excuses")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="excuses")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=500)
    document = models.FileField(upload_to="attendance/excuses/%Y/%m/", blank=True)
    recorded_by = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="excuse_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["person", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.reason} (from {self.starts_at:%Y-%m-%d})"

    def clean(self) -> None:
        if self.starts_at is None or self.ends_at is None:
            return
        errors = problems(
            starts_at=lambda: check_datetime(self.starts_at),
            ends_at=lambda: check_datetime(self.ends_at),
        )
        if not errors and self.ends_at <= self.starts_at:
            errors["ends_at"] = "An excuse ends after it starts."
        if not errors:
            errors = problems(
                ends_at=lambda: check_period_length(self.starts_at, self.ends_at, limit=MAX_PERIOD)
            )
        if errors:
            raise ValidationError(errors)
