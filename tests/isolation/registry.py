"""What the two-institution isolation suite checks: every tenant model and every API route.

Later issues extend these two tables when they add a tenant-owned model or an API route; the
suite fails if a model or a `-list` route is missing here, so nothing new escapes the check.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model

from accounts.actors import Actor
from accounts.models import APIKey, Invitation, Membership, Person, Unit
from accounts.services import api_key_create, invitation_create
from attendance.models import (
    AttendanceRecord,
    AttendanceRule,
    AttendanceSettings,
    Camera,
    Excuse,
    Holiday,
    PresenceEvent,
    RecordChange,
    Session,
    SessionSchedule,
)
from recognition.models import (
    BiometricAccessLog,
    GaitModelVersion,
    GaitSample,
    GaitTemplate,
    Recognition,
    RecognitionSettings,
)
from tests.factories import (
    AttendanceRecordFactory,
    AttendanceRuleFactory,
    AttendanceSettingsFactory,
    CameraFactory,
    ExcuseFactory,
    GaitModelVersionFactory,
    GaitSampleFactory,
    GaitTemplateFactory,
    HolidayFactory,
    MembershipFactory,
    PersonFactory,
    PresenceEventFactory,
    RecognitionFactory,
    RecordChangeFactory,
    SessionFactory,
    SessionScheduleFactory,
    UnitFactory,
    UserFactory,
)

# model -> function(tenant) creating one row of that model in the tenant's institution
ROW_MAKERS: dict[type[Model], Callable] = {
    Membership: lambda t: MembershipFactory(institution=t.institution, user=UserFactory()),
    Unit: lambda t: UnitFactory(institution=t.institution),
    Person: lambda t: PersonFactory(institution=t.institution, units=[t.unit]),
    APIKey: lambda t: api_key_create(institution=t.institution, name="probe", role="viewer")[0],
    Invitation: lambda t: invitation_create(
        actor=Actor(institution=t.institution, role="admin", user=t.user("admin")),
        institution=t.institution,
        invitee=UserFactory(),
        role="viewer",
    ),
    # attendance
    Camera: lambda t: CameraFactory(institution=t.institution),
    AttendanceRule: lambda t: AttendanceRuleFactory(institution=t.institution),
    AttendanceSettings: lambda t: AttendanceSettingsFactory(institution=t.institution),
    SessionSchedule: lambda t: SessionScheduleFactory(institution=t.institution, unit=t.unit),
    Holiday: lambda t: HolidayFactory(institution=t.institution),
    Session: lambda t: SessionFactory(institution=t.institution, unit=t.unit),
    PresenceEvent: lambda t: PresenceEventFactory(institution=t.institution, person=t.people[0]),
    AttendanceRecord: lambda t: AttendanceRecordFactory(
        institution=t.institution,
        session=SessionFactory(institution=t.institution, unit=t.unit),
        person=t.people[0],
    ),
    RecordChange: lambda t: RecordChangeFactory(
        institution=t.institution,
        record=AttendanceRecordFactory(
            institution=t.institution,
            session=SessionFactory(institution=t.institution, unit=t.unit),
            person=t.people[0],
        ),
    ),
    Excuse: lambda t: ExcuseFactory(institution=t.institution, person=t.people[0]),
    # recognition
    RecognitionSettings: lambda t: RecognitionSettings.unscoped.create(institution=t.institution),
    GaitModelVersion: lambda t: GaitModelVersionFactory(institution=t.institution),
    GaitSample: lambda t: GaitSampleFactory(institution=t.institution),
    GaitTemplate: lambda t: GaitTemplateFactory(institution=t.institution, person=t.people[0]),
    Recognition: lambda t: RecognitionFactory(institution=t.institution),
    BiometricAccessLog: lambda t: BiometricAccessLog.unscoped.create(
        institution=t.institution, actor_label="probe", action="view", what="enrolments"
    ),
}

# API route basename -> (model, payload(tenant) for a create that must not land in the tenant
# of another institution's ids, or None when the route has no create)
API_ROUTES: dict[str, tuple[type[Model], Callable | None]] = {
    "member": (Membership, lambda t: {"username": "newcomer", "role": "viewer"}),
    # made by POST members/ for an existing user; answered by the invitee under me/invitations/
    "invitation": (Invitation, None),
    "unit": (Unit, lambda t: {"code": "NEW-1", "name": "New", "instructors": []}),
    "person": (
        Person,
        lambda t: {
            "external_id": "NEW-P",
            "first_name": "New",
            "last_name": "Person",
            "kind": "student",
            "units": [t.unit.pk],
        },
    ),
    "api-key": (APIKey, lambda t: {"name": "door", "role": "viewer"}),
    # attendance
    "attendance-camera": (Camera, lambda t: {"name": "Gate", "units": [t.unit.pk]}),
    "attendance-rule": (AttendanceRule, lambda t: {"name": "Strict", "units": [t.unit.pk]}),
    "attendance-schedule": (
        SessionSchedule,
        lambda t: {
            "unit": t.unit.pk,
            "title": "Maths",
            "weekdays": [0],
            "start_time": "09:00",
            "end_time": "10:00",
            "valid_from": "2026-01-05",
            "valid_until": "2026-03-27",
        },
    ),
    "attendance-holiday": (
        Holiday,
        lambda t: {"name": "Closed", "starts_on": "2026-12-24", "ends_on": "2026-12-26"},
    ),
    "attendance-session": (
        Session,
        lambda t: {
            "unit": t.unit.pk,
            "title": "Maths",
            "starts_at": "2026-03-02T09:00:00Z",
            "ends_at": "2026-03-02T10:00:00Z",
        },
    ),
    "attendance-event": (
        PresenceEvent,
        lambda t: {
            "person": t.people[0].pk,
            "occurred_at": "2026-03-02T09:00:00Z",
            "direction": "in",
        },
    ),
    "attendance-record": (AttendanceRecord, None),
    "attendance-excuse": (
        Excuse,
        lambda t: {
            "person": t.people[0].pk,
            "starts_at": "2026-03-02T00:00:00Z",
            "ends_at": "2026-03-03T00:00:00Z",
            "reason": "Ill",
        },
    ),
    # recognition (uploads are multipart: tests/recognition/portal/test_api.py)
    "recognition-sample": (GaitSample, None),
    "recognition-recognition": (Recognition, None),
    "recognition-model-version": (GaitModelVersion, None),
    "recognition-access-log": (BiometricAccessLog, None),
}
