"""Cameras: the entry and exit points that sightings come from."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

from accounts.models import Institution, Unit
from accounts.tenancy import TenantOwnedModel


class WalkingDirection(models.TextChoices):
    """Which way a person walked across a camera's view, as the recognition pipeline sees it."""

    LEFT_TO_RIGHT = "left_to_right", "Left to right"
    RIGHT_TO_LEFT = "right_to_left", "Right to left"
    TOWARD = "toward", "Toward the camera"
    AWAY = "away", "Away from the camera"


OPPOSITE_WALKING_DIRECTION = {
    WalkingDirection.LEFT_TO_RIGHT: WalkingDirection.RIGHT_TO_LEFT,
    WalkingDirection.RIGHT_TO_LEFT: WalkingDirection.LEFT_TO_RIGHT,
    WalkingDirection.TOWARD: WalkingDirection.AWAY,
    WalkingDirection.AWAY: WalkingDirection.TOWARD,
}

DEFAULT_DEBOUNCE_SECONDS = 60


class Camera(TenantOwnedModel):
    """An entry or exit point. Sightings from it become presence events.

    `role` says what a sighting means: entry (IN), exit (OUT) or both (decided by the walking
    direction compared with `entering_direction`, or by alternation; see ATTENDANCE_RULES.md).
    """

    class Role(models.TextChoices):
        ENTRY = "entry", "Entry"
        EXIT = "exit", "Exit"
        BOTH = "both", "Entry and exit"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="cameras")
    name = models.CharField(max_length=100)
    room = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.BOTH)
    entering_direction = models.CharField(
        max_length=16,
        choices=WalkingDirection.choices,
        blank=True,
        help_text="The walking direction that means entering the room (the opposite means "
        "leaving). Empty: walking direction is not used for this camera.",
    )
    debounce_seconds = models.PositiveIntegerField(
        default=DEFAULT_DEBOUNCE_SECONDS,
        validators=[MaxValueValidator(3600)],
        help_text="The same person seen again by this camera within this many seconds is the "
        "same event. 0 keeps every sighting.",
    )
    units = models.ManyToManyField(
        Unit,
        related_name="cameras",
        blank=True,
        help_text="Units whose sessions use this camera by default.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="unique_camera_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"
