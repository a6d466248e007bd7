"""Presence events: a person seen going in or out, from a camera, a person, a device or a file."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Institution, Person
from accounts.tenancy import TenantOwnedModel
from attendance.models.cameras import Camera, WalkingDirection


class Direction(models.TextChoices):
    IN = "in", "In"
    OUT = "out", "Out"
    UNKNOWN = "", "Undetermined"


class PresenceEvent(TenantOwnedModel):
    """One sighting or mark. Append-only: a correction deletes a wrong event, never edits it.

    `direction` is what was known when it arrived (the camera's role, the walking direction
    against the camera's entering side, or what the client said); the session's rule may decide
    differently (alternating mode), see attendance.engine. Duplicates within a camera's debounce
    window and replays of an idempotency key are not stored twice.
    """

    class Source(models.TextChoices):
        RECOGNITION = "recognition", "Recognition"
        MANUAL = "manual", "Manual entry"
        API = "api", "API"
        IMPORT = "import", "Import"

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="presence_events"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="presence_events")
    camera = models.ForeignKey(
        Camera,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="presence_events",
    )
    direction = models.CharField(max_length=3, choices=Direction.choices, blank=True)
    walking_direction = models.CharField(
        max_length=16, choices=WalkingDirection.choices, blank=True
    )
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    confidence = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    # What produced it (a recognition row, later): a generic link, plus a free-text reference
    # for producers without a row here (an import file and line, a device's own event id).
    produced_by_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    produced_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    produced_by = GenericForeignKey("produced_by_type", "produced_by_id")
    source_ref = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(
        max_length=128,
        blank=True,
        help_text="Client-supplied; a second event with the same key is the same event.",
    )
    recorded_by = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="unique_event_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["person", "occurred_at"]),
            models.Index(fields=["institution", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.direction or '?'} {self.occurred_at:%Y-%m-%d %H:%M:%S}"
