"""The fuzz suites' world: one institution with a row of every kind, called through WSGI."""

from __future__ import annotations

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from accounts.roles import Role
from accounts.services import api_key_create
from accounts.tenancy import tenant_scope
from attendance import services as attendance_services
from tests.factories import (
    AttendanceRuleFactory,
    CameraFactory,
    ExcuseFactory,
    GaitModelVersionFactory,
    GaitSampleFactory,
    GaitTemplateFactory,
    HolidayFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonFactory,
    PresenceEventFactory,
    RecognitionFactory,
    SessionFactory,
    SessionScheduleFactory,
    UnitFactory,
    UserFactory,
)

APP = WSGIHandler()


@pytest.fixture
def app_in_test_transaction(db):
    """The WSGI app, with Django's end-of-request connection cleanup switched off.

    Like Django's test client: the cleanup would close the test's connection (PostgreSQL)
    in the middle of the test transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield APP
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(app_in_test_transaction) -> dict:
    """One institution with a row of every kind, and tokens for a registrar and a viewer.

    Lean on purpose (built once per operation): two members, one unit, two people; a
    neighbouring institution whose rows must stay invisible.
    """
    institution = InstitutionFactory(slug="fuzz-a")
    neighbour = InstitutionFactory(slug="fuzz-b")
    users = {role: UserFactory(username=f"fuzz-{role}") for role in (Role.REGISTRAR, Role.VIEWER)}
    with tenant_scope(institution):
        memberships = {
            role: MembershipFactory(institution=institution, user=user, role=role)
            for role, user in users.items()
        }
        unit = UnitFactory(institution=institution)
        people = [PersonFactory(institution=institution, units=[unit]) for _ in range(2)]
        session = SessionFactory(institution=institution, unit=unit)
        rule = AttendanceRuleFactory(institution=institution)
        camera = CameraFactory(institution=institution)
        schedule = SessionScheduleFactory(institution=institution, unit=unit)
        holiday = HolidayFactory(institution=institution)
        excuse = ExcuseFactory(institution=institution, person=people[0])
        event = PresenceEventFactory(institution=institution, person=people[0])
        attendance_services.session_recompute(session=session, actor=None)
        record = session.records.first()
        api_key, _ = api_key_create(institution=institution, name="door", role=Role.VIEWER)
        model_version = GaitModelVersionFactory(institution=institution)
        GaitTemplateFactory(institution=institution, person=people[0], model_version=model_version)
        sample = GaitSampleFactory(institution=institution, camera=camera)
        recognition = RecognitionFactory(institution=institution, sample=sample)
    with tenant_scope(neighbour):
        PersonFactory(institution=neighbour)
    ids = {
        "api_key": api_key.pk,
        "camera": camera.pk,
        "event": event.pk,
        "excuse": excuse.pk,
        "holiday": holiday.pk,
        "record": record.pk,
        "rule": rule.pk,
        "schedule": schedule.pk,
        "session": session.pk,
        "membership": memberships[Role.VIEWER].pk,
        "person": people[1].pk,
        "unit": unit.pk,
        "model_version": model_version.pk,
        "sample": sample.pk,
        "recognition": recognition.pk,
    }
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    return {"ids": ids, "tokens": tokens, "slug": institution.slug, "app": app_in_test_transaction}
