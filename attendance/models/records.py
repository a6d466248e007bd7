"""Attendance records (one per session and expected person) and their audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Institution, Person
from accounts.tenancy import TenantOwnedModel
from attendance.models.excuses import Excuse
from attendance.models.rules import AttendanceRule
from attendance.models.sessions import Session


class Status(models.TextChoices):
    PENDING = "pending", "Pending"  # expected, not seen yet, not finalised
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    LEFT_EARLY = "left_early", "Left early"
    PARTIAL = "partial", "Partial"  # shifts: between the minimum and the full threshold
    ABSENT = "absent", "Absent"
    EXCUSED = "excused", "Excused"


# Statuses that count as having attended (attendance rate, reports).
ATTENDED_STATUSES = frozenset({Status.PRESENT, Status.LATE, Status.LEFT_EARLY, Status.PARTIAL})
# What a registrar may set by hand (pending is the absence of a decision, not a decision).
OVERRIDE_STATUSES = [choice for choice in Status.values if choice != Status.PENDING]


class AttendanceRecord(TenantOwnedModel):
    """The attendance of one expected person at one session.

    `computed_*` is what the rule engine says from the events (and excuses); `status` and
    `reason` are what counts: the manual override when one is set, else the computed values.
    Recomputation never touches the override; clearing it brings the computed values back.
    """

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="attendance_records"
    )
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="records")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="attendance_records")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True)
    computed_status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING
    )
    computed_reason = models.TextField(blank=True)
    first_in = models.DateTimeField(null=True, blank=True)
    last_out = models.DateTimeField(null=True, blank=True)
    minutes_present = models.PositiveIntegerField(default=0)
    flags = models.JSONField(default=list, blank=True)
    # Facts from the events, kept as columns so reports and the lateness count can query them.
    arrived_late = models.BooleanField(default=False)
    left_early = models.BooleanField(default=False)
    rule = models.ForeignKey(
        AttendanceRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule_snapshot = models.JSONField(default=dict, blank=True)
    excuse = models.ForeignKey(
        Excuse, on_delete=models.SET_NULL, null=True, blank=True, related_name="records"
    )
    override_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    overridden_by = models.CharField(max_length=200, blank=True)
    overridden_at = models.DateTimeField(null=True, blank=True)
    is_final = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "person__last_name", "person__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="unique_session_person")
        ]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["session", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.session_id}: {self.status}"

    @property
    def is_overridden(self) -> bool:
        return bool(self.override_status)


class RecordChange(TenantOwnedModel):
    """One change of a record's status (or of its override): who, when, before, after, why."""

    class Kind(models.TextChoices):
        COMPUTED = "computed", "Computed from events"
        NO_SHOW = "no_show", "No-show marked at finalisation"
        EXCUSE = "excuse", "Excuse recorded or removed"
        OVERRIDE = "override", "Manual override"
        OVERRIDE_CLEARED = "override_cleared", "Manual override cleared"

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="attendance_record_changes"
    )
    record = models.ForeignKey(AttendanceRecord, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.CharField(max_length=200, help_text="User name, api-key:<name> or system")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status_before = models.CharField(max_length=12, choices=Status.choices, blank=True)
    status_after = models.CharField(max_length=12, choices=Status.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    why = models.TextField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["record", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.record_id}: {self.status_before or '-'} -> {self.status_after}"
