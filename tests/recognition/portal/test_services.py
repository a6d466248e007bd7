"""Upload -> enrol / identify -> presence event, through the services and a (sync) worker."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.actors import Actor
from accounts.roles import Role
from accounts.services import person_consent_record
from accounts.tenancy import tenant_scope
from attendance.models import PresenceEvent
from recognition import services
from recognition.models import Decision, GaitSample, GaitTemplate, Recognition
from tests.recognition.portal.conftest import walk_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def run_on_commit(monkeypatch, django_capture_on_commit_callbacks):
    """The queued task runs when the upload commits (sync worker), as in production."""
    create = services.sample_create

    def create_and_commit(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return create(**kwargs)

    monkeypatch.setattr(services, "sample_create", create_and_commit)


def _enrol_all(inst, actor, people, walks=(1, 2)):
    for i, person in enumerate(people):
        for w in walks:
            made = services.sample_create(
                institution=inst,
                actor=actor,
                content=walk_bytes(i, w),
                filename="walk.npz",
                purpose="enrol",
                person=person,
            )
            assert made.sample.pk


def test_enrol_then_identify_makes_one_event(gait_site) -> None:
    tenant, camera, people = gait_site
    inst = tenant.institution
    actor = Actor(institution=inst, role=Role.REGISTRAR, user=tenant.user(Role.REGISTRAR))
    with tenant_scope(inst):
        _enrol_all(inst, actor, people)
        assert GaitSample.objects.filter(status="done").count() == 12
        assert GaitTemplate.objects.count() == 12
        probe = services.sample_create(
            institution=inst,
            actor=actor,
            content=walk_bytes(2, 7),
            filename="probe.npz",
            purpose="identify",
            camera=camera,
        ).sample
        probe.refresh_from_db()
        assert probe.status == "done", probe.error
        rec = Recognition.objects.get(sample=probe)
        assert rec.decision == Decision.ACCEPTED, (rec.score, rec.threshold, rec.candidates)
        assert rec.person == people[2]
        event = PresenceEvent.objects.get()
        assert rec.presence_event == event and event.person == people[2]
        assert event.direction == "in"
        # processing it again changes nothing
        services.sample_process(sample_id=probe.pk)
        assert PresenceEvent.objects.count() == 1
        # the same file again is the same sample
        again = services.sample_create(
            institution=inst,
            actor=actor,
            content=walk_bytes(2, 7),
            filename="again.npz",
            purpose="identify",
            camera=camera,
        )
        assert not again.created and again.sample.pk == probe.pk


def test_stranger_stays_unknown_and_review_withdraws(gait_site) -> None:
    tenant, camera, people = gait_site
    inst = tenant.institution
    actor = Actor(institution=inst, role=Role.REGISTRAR, user=tenant.user(Role.REGISTRAR))
    with tenant_scope(inst):
        _enrol_all(inst, actor, people)
        stranger = services.sample_create(
            institution=inst,
            actor=actor,
            content=walk_bytes(40, 3),
            filename="s.npz",
            purpose="identify",
            camera=camera,
        ).sample
        rec = Recognition.objects.get(sample=stranger)
        assert rec.decision in (Decision.UNKNOWN, Decision.NEEDS_REVIEW)
        assert rec.person is None and not PresenceEvent.objects.exists()
        services.recognition_review(
            recognition=rec, actor=actor, action="person", person=people[0], note="I know him"
        )
        rec.refresh_from_db()
        assert rec.decision == Decision.ACCEPTED and rec.presence_event is not None
        services.recognition_review(recognition=rec, actor=actor, action="unknown")
        rec.refresh_from_db()
        assert rec.presence_event is None and not PresenceEvent.objects.exists()


def test_enrolment_needs_consent(gait_site) -> None:
    tenant = gait_site[0]
    inst = tenant.institution
    person_consent_record(person=tenant.people[0], given=False, actor=None)
    with tenant_scope(inst), pytest.raises(ValidationError) as err:
        services.sample_create(
            institution=inst,
            actor=None,
            content=walk_bytes(0, 1),
            filename="w.npz",
            purpose="enrol",
            person=tenant.people[0],
        )
    assert "person" in err.value.message_dict
