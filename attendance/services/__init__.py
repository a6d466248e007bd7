"""Writes of the attendance app (keyword-only, typed, transactional), one module per concept.

Import from here: `from attendance import services; services.sighting_record(...)`.
"""

from attendance.services.cameras import camera_create, camera_delete, camera_update
from attendance.services.events import (
    IngestReport,
    ItemResult,
    direction_from_camera,
    event_delete,
    events_ingest,
    records_refresh_for_events,
    sighting_record,
)
from attendance.services.excuses import (
    excuse_create,
    excuse_delete,
    excuse_document_check,
    excuse_update,
)
from attendance.services.notifications import absence_notice_send
from attendance.services.records import (
    RefreshResult,
    record_mark,
    record_override,
    record_override_clear,
    records_refresh,
)
from attendance.services.rules import (
    attendance_settings_get,
    attendance_settings_update,
    rule_create,
    rule_delete,
    rule_for_session,
    rule_update,
)
from attendance.services.sessions import (
    AdvanceReport,
    holiday_create,
    holiday_delete,
    holiday_update,
    schedule_create,
    schedule_delete,
    schedule_update,
    session_create,
    session_delete,
    session_finalise,
    session_recompute,
    session_update,
    sessions_advance,
    sessions_generate,
    sessions_generate_upcoming,
)

__all__ = [
    "AdvanceReport",
    "IngestReport",
    "ItemResult",
    "RefreshResult",
    "absence_notice_send",
    "attendance_settings_get",
    "attendance_settings_update",
    "camera_create",
    "camera_delete",
    "camera_update",
    "direction_from_camera",
    "event_delete",
    "events_ingest",
    "excuse_create",
    "excuse_delete",
    "excuse_document_check",
    "excuse_update",
    "holiday_create",
    "holiday_delete",
    "holiday_update",
    "record_mark",
    "record_override",
    "record_override_clear",
    "records_refresh",
    "records_refresh_for_events",
    "rule_create",
    "rule_delete",
    "rule_for_session",
    "rule_update",
    "schedule_create",
    "schedule_delete",
    "schedule_update",
    "session_create",
    "session_delete",
    "session_finalise",
    "session_recompute",
    "session_update",
    "sessions_advance",
    "sessions_generate",
    "sessions_generate_upcoming",
    "sighting_record",
]
