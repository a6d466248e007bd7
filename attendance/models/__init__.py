"""Attendance data: cameras, rules, sessions, presence events, records, excuses, settings."""

from attendance.models.cameras import (
    DEFAULT_DEBOUNCE_SECONDS,
    OPPOSITE_WALKING_DIRECTION,
    Camera,
    WalkingDirection,
)
from attendance.models.events import Direction, PresenceEvent
from attendance.models.excuses import Excuse
from attendance.models.records import (
    ATTENDED_STATUSES,
    OVERRIDE_STATUSES,
    AttendanceRecord,
    RecordChange,
    Status,
)
from attendance.models.rules import AttendanceRule, DirectionMode, PresenceCounting
from attendance.models.sessions import Holiday, Session, SessionSchedule
from attendance.models.settings import AttendanceSettings

__all__ = [
    "ATTENDED_STATUSES",
    "DEFAULT_DEBOUNCE_SECONDS",
    "OPPOSITE_WALKING_DIRECTION",
    "OVERRIDE_STATUSES",
    "AttendanceRecord",
    "AttendanceRule",
    "AttendanceSettings",
    "Camera",
    "Direction",
    "DirectionMode",
    "Excuse",
    "Holiday",
    "PresenceCounting",
    "PresenceEvent",
    "RecordChange",
    "Session",
    "SessionSchedule",
    "Status",
    "WalkingDirection",
]
