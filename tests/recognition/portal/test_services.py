"""Upload -> enrol / identify -> presence event, through the services and a (sync) worker."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.actors import Actor
from accounts.roles import Role
from accounts.services import person_consent_record
from accounts.tenancy import tenant_scope
from attendance.models import PresenceEvent
from recognition import services, tasks
from recognition.models import (
    BiometricAccessLog,
    Decision,
    GaitModelVersion,
    GaitSample,
    GaitTemplate,
    Recognition,
)
from tests.factories import GaitSampleFactory
from tests.recognition.enrolled import enrol_walks, identify_walk
from tests.recognition.portal.conftest import walk_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uploads_run_on_commit")]


def test_enrol_then_identify_makes_one_event(gait_site) -> None:
    tenant, camera, people = gait_site
    inst = tenant.institution
    actor = Actor(institution=inst, role=Role.REGISTRAR, user=tenant.user(Role.REGISTRAR))
    with tenant_scope(inst):
        enrol_walks(inst, actor, people)
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
        enrol_walks(inst, actor, people)
        rec = identify_walk(inst, actor, camera, 40, 3)
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


def test_calibration_falls_back_marked_until_enough_enrolments(gait_site) -> None:
    tenant, _camera, people = gait_site
    inst = tenant.institution
    with tenant_scope(inst):
        enrol_walks(inst, None, people[:2])
        version = services.calibration_recompute(
            version=services.model_version_active(institution=inst)
        )
        assert version.is_fallback and version.threshold == version.shipped_threshold
        assert "enrolled people" in version.calibration_note
        assert version.calibration_people == 2 and version.genuine_pairs == 4


def test_erasure_removes_biometrics_and_leaves_an_audit_entry(gait_site) -> None:
    tenant, _camera, people = gait_site
    inst = tenant.institution
    actor = Actor(institution=inst, role=Role.ADMIN, user=tenant.user(Role.ADMIN))
    with tenant_scope(inst):
        enrol_walks(inst, actor, people[:2])
        sample = GaitSample.objects.filter(person=people[0]).first()
        files = [Path(sample.file.path), Path(sample.keypoints.path)]
        assert all(f.exists() for f in files)
        summary = services.person_biometrics_erase(person=people[0], actor=actor, reason="left")
        assert summary["templates"] == 2 and summary["enrolment_samples"] == 2
        assert not GaitTemplate.objects.filter(person=people[0]).exists()
        assert not GaitSample.objects.filter(person=people[0]).exists()
        assert not any(f.exists() for f in files)
        assert GaitTemplate.objects.filter(person=people[1]).count() == 2
        entry = BiometricAccessLog.objects.get(action="erase")
        assert entry.person == people[0] and entry.detail["reason"] == "left"


def test_raw_videos_are_purged_after_retention_keypoints_stay(gait_site) -> None:
    tenant, _camera, _people = gait_site
    inst = tenant.institution
    inst.raw_video_retention_days = 7
    inst.save()
    with tenant_scope(inst):
        old = GaitSampleFactory(
            institution=inst,
            kind="video",
            status="done",
            finished_at=timezone.now() - timedelta(days=8),
        )
        recent = GaitSampleFactory(
            institution=inst, kind="video", status="done", finished_at=timezone.now()
        )
        for sample in (old, recent):
            sample.file.save("clip.mp4", ContentFile(b"video"), save=False)
            sample.keypoints.save("k.npz", ContentFile(b"kp"), save=False)
            sample.save()
        old_path = Path(old.file.path)
        assert tasks.purge_raw_videos() == 1
        old.refresh_from_db()
        recent.refresh_from_db()
        assert not old.file and old.file_deleted_at and not old_path.exists()
        assert old.keypoints and recent.file


def test_adaptation_needs_enough_people_and_keeps_the_model(gait_site) -> None:
    tenant, _camera, people = gait_site
    inst = tenant.institution
    with tenant_scope(inst):
        enrol_walks(inst, None, people[:2])
        outcome = services.institution_model_adapt(institution=inst, epochs=1)
        assert not outcome["accepted"] and "at least" in outcome["reason"]
        assert GaitModelVersion.objects.count() == 1


def test_gallery_follows_enrolments_erasures_and_deleted_people(gait_site) -> None:
    from accounts.services import person_delete

    tenant, _camera, people = gait_site
    inst = tenant.institution
    actor = Actor(institution=inst, role=Role.ADMIN, user=tenant.user(Role.ADMIN))

    def identify(subject, seed):
        return identify_walk(inst, actor, None, subject, seed)

    with tenant_scope(inst):
        enrol_walks(inst, actor, people[:3])
        assert identify(0, 11).person == people[0]  # the gallery is now cached
        services.person_biometrics_erase(person=people[0], actor=actor)
        assert identify(0, 12).person is None  # erased: no longer in any worker's gallery
        assert identify(1, 11).person == people[1]
        person_delete(person=people[1])  # cascades to templates without the services
        rec = identify(1, 12)
        assert rec.person is None or rec.person.pk != people[1].pk


def test_deleting_a_person_removes_their_gait_files(gait_site) -> None:
    from accounts.services import person_delete

    tenant, camera, people = gait_site
    inst = tenant.institution
    actor = Actor(institution=inst, role=Role.ADMIN, user=tenant.user(Role.ADMIN))
    with tenant_scope(inst):
        enrol_walks(inst, actor, people[:2])
        probe = identify_walk(inst, actor, camera, 0, 7).sample
        assert Recognition.objects.get(sample=probe).person == people[0]
        files = [
            Path(f.path)
            for s in [*GaitSample.objects.filter(person=people[0]), probe]
            for f in (s.file, s.keypoints)
            if f
        ]
        assert files and all(f.exists() for f in files)
        person_delete(person=people[0], actor=actor)
        assert not any(f.exists() for f in files)
        log = BiometricAccessLog.objects.get(action=BiometricAccessLog.Action.ERASE)
        assert log.person is None and log.person_label and log.detail["reason"] == "person deleted"
        assert GaitSample.objects.filter(person=people[1]).count() == 2  # others untouched


def test_a_transient_failure_is_retried_with_backoff_then_completes(gait_site, settings) -> None:
    from django_q.models import Schedule

    from recognition.services.processing import RETRY_BASE_SECONDS
    from recognition.services.samples import sample_create as create_without_running

    tenant, _camera, people = gait_site
    inst = tenant.institution
    with tenant_scope(inst):
        sample = create_without_running(
            institution=inst,
            actor=None,
            content=walk_bytes(0, 1),
            filename="walk.npz",
            purpose="enrol",
            person=people[0],
        ).sample
        assert sample.status == GaitSample.Status.QUEUED
        # Storage failing to write the kept keypoints (a file where their folder goes): an
        # OSError, worth retrying, unlike an unreadable upload.
        blocker = Path(settings.MEDIA_ROOT) / "recognition" / str(inst.pk) / "keypoints"
        blocker.write_bytes(b"")

        assert tasks.process_sample(sample.pk) == "retry scheduled"
        sample.refresh_from_db()
        assert (sample.status, sample.attempts) == (GaitSample.Status.QUEUED, 1)
        assert sample.error.startswith("Retrying after")
        retry = Schedule.objects.get(name__startswith=f"retry gait sample {sample.pk}")
        wait = (retry.next_run - timezone.now()).total_seconds()
        assert RETRY_BASE_SECONDS - 5 < wait <= RETRY_BASE_SECONDS

        blocker.unlink()  # storage is back: the scheduled retry completes the sample
        assert tasks.process_sample(sample.pk) == GaitSample.Status.DONE
        sample.refresh_from_db()
        assert sample.attempts == 2 and sample.error == ""
        assert GaitTemplate.objects.filter(person=people[0]).count() == 1
