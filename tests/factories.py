"""factory_boy factories. They write through the unscoped managers: test set-up is not a tenant."""

from __future__ import annotations

from datetime import time, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Institution, Membership, Person, Unit, User
from accounts.roles import Role
from accounts.tenancy import tenant_scope


class TenantOwnedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class.unscoped


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Institution {n}")
    slug = factory.Sequence(lambda n: f"institution-{n}")
    kind = Institution.Kind.SCHOOL
    time_zone = "Europe/London"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(TenantOwnedFactory):
    class Meta:
        model = Membership

    institution = factory.SubFactory(InstitutionFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


class UnitFactory(TenantOwnedFactory):
    class Meta:
        model = Unit

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = Unit.Kind.CLASS


class PersonFactory(TenantOwnedFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    external_id = factory.Sequence(lambda n: f"P{n:05d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    kind = Person.Kind.STUDENT
    consent_given = True

    @factory.post_generation
    def units(obj, create, extracted, **kwargs):
        if create and extracted:
            with tenant_scope(obj.institution):
                obj.units.set(extracted)


# Attendance (appended by the attendance issue)


def _hour_from_now(hours: int = 1):
    return timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)


class CameraFactory(TenantOwnedFactory):
    class Meta:
        model = "attendance.Camera"

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"Door {n}")
    room = "R1"
    role = "both"


class AttendanceRuleFactory(TenantOwnedFactory):
    class Meta:
        model = "attendance.AttendanceRule"

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"Rule {n}")


class AttendanceSettingsFactory(TenantOwnedFactory):
    class Meta:
        model = "attendance.AttendanceSettings"
        django_get_or_create = ("institution",)

    institution = factory.SubFactory(InstitutionFactory)


class SessionScheduleFactory(TenantOwnedFactory):
    class Meta:
        model = "attendance.SessionSchedule"

    institution = factory.SubFactory(InstitutionFactory)
    unit = factory.SubFactory(UnitFactory, institution=factory.SelfAttribute("..institution"))
    title = factory.Sequence(lambda n: f"Lesson {n}")
    weekdays = factory.LazyFunction(lambda: [0, 2, 4])
    start_time = time(9, 0)
    end_time = time(10, 0)
    valid_from = factory.LazyFunction(lambda: _hour_from_now(-24 * 30).date())
    valid_until = factory.LazyFunction(lambda: _hour_from_now(24 * 90).date())


class HolidayFactory(TenantOwnedFactory):
    class Meta:
        model = "attendance.Holiday"

    institution = factory.SubFactory(InstitutionFactory)
    name = "Bank holiday"
    starts_on = factory.LazyFunction(lambda: _hour_from_now(24 * 7).date())
    ends_on = factory.SelfAttribute("starts_on")


class SessionFactory(TenantOwnedFactory):
    class Meta:
        model = "attendance.Session"

    institution = factory.SubFactory(InstitutionFactory)
    unit = factory.SubFactory(UnitFactory, institution=factory.SelfAttribute("..institution"))
    title = factory.Sequence(lambda n: f"Session {n}")
    starts_at = factory.LazyFunction(_hour_from_now)
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=1))


class PresenceEventFactory(TenantOwnedFactory):
    class Meta:
        model = "attendance.PresenceEvent"

    institution = factory.SubFactory(InstitutionFactory)
    person = factory.SubFactory(PersonFactory, institution=factory.SelfAttribute("..institution"))
    direction = "in"
    occurred_at = factory.LazyFunction(_hour_from_now)
    source = "manual"


class AttendanceRecordFactory(TenantOwnedFactory):
    class Meta:
        model = "attendance.AttendanceRecord"

    institution = factory.SubFactory(InstitutionFactory)
    session = factory.SubFactory(SessionFactory, institution=factory.SelfAttribute("..institution"))
    person = factory.SubFactory(PersonFactory, institution=factory.SelfAttribute("..institution"))
    status = "pending"


class RecordChangeFactory(TenantOwnedFactory):
    class Meta:
        model = "attendance.RecordChange"

    institution = factory.SubFactory(InstitutionFactory)
    record = factory.SubFactory(
        AttendanceRecordFactory, institution=factory.SelfAttribute("..institution")
    )
    changed_by = "system"
    kind = "computed"
    status_after = "pending"
    why = "test"


class ExcuseFactory(TenantOwnedFactory):
    class Meta:
        model = "attendance.Excuse"

    institution = factory.SubFactory(InstitutionFactory)
    person = factory.SubFactory(PersonFactory, institution=factory.SelfAttribute("..institution"))
    starts_at = factory.LazyFunction(lambda: _hour_from_now(-24))
    ends_at = factory.LazyFunction(lambda: _hour_from_now(24))
    reason = "Ill"


# recognition


class GaitModelVersionFactory(TenantOwnedFactory):
    class Meta:
        model = "recognition.GaitModelVersion"

    institution = factory.SubFactory(InstitutionFactory)
    model_version = factory.Sequence(lambda n: f"test-model-{n}")
    shipped_threshold = 0.6
    threshold = 0.6
    review_threshold = 0.5


class GaitSampleFactory(TenantOwnedFactory):
    class Meta:
        model = "recognition.GaitSample"

    institution = factory.SubFactory(InstitutionFactory)
    purpose = "identify"
    kind = "keypoints"
    captured_at = factory.LazyFunction(timezone.now)
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class GaitTemplateFactory(TenantOwnedFactory):
    class Meta:
        model = "recognition.GaitTemplate"

    institution = factory.SubFactory(InstitutionFactory)
    person = factory.SubFactory(PersonFactory, institution=factory.SelfAttribute("..institution"))
    model_version = factory.SubFactory(
        GaitModelVersionFactory, institution=factory.SelfAttribute("..institution")
    )
    sample = factory.SubFactory(
        GaitSampleFactory,
        institution=factory.SelfAttribute("..institution"),
        person=factory.SelfAttribute("..person"),
        purpose="enrol",
    )
    embedding = b"\x00\x00\x80\x3f" * 4


class RecognitionFactory(TenantOwnedFactory):
    class Meta:
        model = "recognition.Recognition"

    institution = factory.SubFactory(InstitutionFactory)
    sample = factory.SubFactory(
        GaitSampleFactory, institution=factory.SelfAttribute("..institution")
    )
    decision = "unknown"
    occurred_at = factory.LazyFunction(timezone.now)
