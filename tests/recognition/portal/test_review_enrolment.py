"""Enrolment from reviewed recognitions (opt-in): a walk a registrar confirmed or named becomes
a template of that person, re-embedded from the kept keypoints by the (sync) worker; withdrawn
with its review, erased with the person, never made without consent, never across tenants."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.actors import Actor
from accounts.roles import Role
from accounts.services import person_consent_record
from accounts.tenancy import tenant_scope
from recognition import services
from recognition.gait.keypoints import read_keypoint_file, write_keypoint_file
from recognition.gait.synthetic import generate_person, walk
from recognition.models import Decision, GaitModelVersion, GaitTemplate, Recognition
from recognition.services.review_enrolment import NO_CONSENT
from tests.factories import PersonFactory
from tests.recognition.enrolled import enrol_walks, identify_walk
from tests.recognition.portal.conftest import SEED_BASE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uploads_run_on_commit")]

STRANGER = 40  # a synthetic subject nobody is enrolled as


@pytest.fixture
def site(gait_site):
    """Six people enrolled with two walks each, and a seventh (consenting) not enrolled."""
    tenant, camera, people = gait_site
    inst = tenant.institution
    actor = Actor(institution=inst, role=Role.REGISTRAR, user=tenant.user(Role.REGISTRAR))
    with tenant_scope(inst):
        enrol_walks(inst, actor, people)
        newcomer = PersonFactory(institution=inst, units=[tenant.unit])
        person_consent_record(person=newcomer, given=True, actor=None)
    return tenant, camera, people, newcomer, actor


def _opt_in(inst) -> None:
    services.recognition_settings_update(institution=inst, enrol_from_reviews=True)


def _revision(version: GaitModelVersion) -> int:
    version.refresh_from_db()
    return version.gallery_revision


def test_off_by_default_a_review_adds_nothing(site) -> None:
    tenant, camera, _people, newcomer, actor = site
    inst = tenant.institution
    with tenant_scope(inst):
        assert not services.recognition_settings_get(institution=inst).enrol_from_reviews
        before = GaitTemplate.objects.count()
        rec = identify_walk(inst, actor, camera, STRANGER, 3)
        assert rec.decision != Decision.ACCEPTED
        rec = services.recognition_review(
            recognition=rec, actor=actor, action="person", person=newcomer
        )
        assert rec.decision == Decision.ACCEPTED and rec.enrolment_note == ""
        assert GaitTemplate.objects.count() == before
        # the same walk again (another file format, the same keypoints) is still nobody
        again = identify_walk(inst, actor, camera, STRANGER, 3, fmt="csv")
        assert again.person is None


def test_naming_a_newcomer_enrols_them_and_the_same_walk_then_matches(site) -> None:
    tenant, camera, people, newcomer, actor = site
    inst = tenant.institution
    with tenant_scope(inst):
        _opt_in(inst)
        version = services.model_version_active(institution=inst)
        rec = identify_walk(inst, actor, camera, STRANGER, 3)
        assert rec.person is None and rec.decision != Decision.ACCEPTED
        revision = _revision(version)
        rec = services.recognition_review(
            recognition=rec, actor=actor, action="person", person=newcomer
        )
        rec.refresh_from_db()
        template = GaitTemplate.objects.get(recognition=rec)
        assert (template.person, template.model_version, template.sample) == (
            newcomer,
            version,
            rec.sample,
        )
        assert template.track_id == rec.track_id and template.usable_seconds > 0
        assert rec.enrolment_note == f"Added to the gallery of {newcomer}."
        assert _revision(version) > revision  # every worker's cached gallery is rebuilt
        # The same walk in another file (CSV: the identical probe, rounded to the file's
        # precision) is now the newcomer, accepted; it was nobody before.
        again = identify_walk(inst, actor, camera, STRANGER, 3, fmt="csv")
        assert again.decision == Decision.ACCEPTED and again.person == newcomer
        assert again.score >= version.threshold and again.presence_event is not None
        # Enrolled people are still themselves.
        assert identify_walk(inst, actor, camera, 2, 9).person == people[2]


def test_confirming_adds_the_walk_to_the_persons_templates(site) -> None:
    tenant, camera, people, _newcomer, actor = site
    inst = tenant.institution
    with tenant_scope(inst):
        _opt_in(inst)
        # Subject 1 seen from the front matches people[1] less well than from the side.
        rec = identify_walk(inst, actor, camera, 1, 3, view=0)
        assert rec.decision == Decision.ACCEPTED and rec.person == people[1]
        automatic = GaitTemplate.objects.filter(person=people[1]).count()
        assert automatic == 2  # accepted by the model alone: nothing was added
        rec = services.recognition_review(recognition=rec, actor=actor, action="confirm")
        assert GaitTemplate.objects.filter(person=people[1]).count() == 3
        again = identify_walk(inst, actor, camera, 1, 3, view=0, fmt="csv")
        assert again.person == people[1] and again.score > rec.score


def test_missing_consent_adds_nothing_and_says_why(site, client_for) -> None:
    tenant, camera, _people, newcomer, actor = site
    inst = tenant.institution
    with tenant_scope(inst):
        _opt_in(inst)
        person_consent_record(person=newcomer, given=False, actor=None)
        rec = identify_walk(inst, actor, camera, STRANGER, 3)
        before = GaitTemplate.objects.count()
    client = client_for(tenant.user(Role.REGISTRAR))
    url = reverse("recognition-recognition-review", args=[rec.pk])
    answer = client.post(url, {"action": "person", "person": newcomer.pk}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["enrolment_note"] == NO_CONSENT
    assert answer.json()["person"] == newcomer.pk  # the review itself stands
    with tenant_scope(inst):
        assert GaitTemplate.objects.count() == before
        # Not required by the institution: the same review enrols.
        services.recognition_settings_update(institution=inst, require_consent=False)
        rec = services.recognition_review(
            recognition=rec, actor=actor, action="person", person=newcomer
        )
        assert GaitTemplate.objects.filter(recognition=rec, person=newcomer).exists()


def test_withdrawing_the_review_removes_its_template(site) -> None:
    tenant, camera, people, newcomer, actor = site
    inst = tenant.institution
    with tenant_scope(inst):
        _opt_in(inst)
        version = services.model_version_active(institution=inst)
        rec = identify_walk(inst, actor, camera, STRANGER, 3)
        services.recognition_review(recognition=rec, actor=actor, action="person", person=newcomer)
        assert GaitTemplate.objects.filter(recognition=rec, person=newcomer).count() == 1
        # named another person later: the newcomer's template goes, the other person's comes
        revision = _revision(version)
        services.recognition_review(recognition=rec, actor=actor, action="person", person=people[4])
        assert list(GaitTemplate.objects.filter(recognition=rec).values_list("person")) == [
            (people[4].pk,)
        ]
        assert _revision(version) > revision
        # marked unknown: gone, and the newcomer is nobody's match again
        rec = services.recognition_review(recognition=rec, actor=actor, action="unknown")
        assert rec.enrolment_note == "Removed from the gallery."
        assert not GaitTemplate.objects.filter(recognition=rec).exists()
        assert GaitTemplate.objects.filter(person=people[4]).count() == 2
        # a queued enrolment that arrives after the review moved on makes nothing
        assert services.review_enrolment_make(recognition_id=rec.pk, person_id=newcomer.pk) is None
        assert not GaitTemplate.objects.filter(recognition=rec).exists()


def test_erasing_the_person_removes_templates_from_reviews(site) -> None:
    tenant, camera, _people, newcomer, actor = site
    inst = tenant.institution
    with tenant_scope(inst):
        _opt_in(inst)
        rec = identify_walk(inst, actor, camera, STRANGER, 3)
        services.recognition_review(recognition=rec, actor=actor, action="person", person=newcomer)
        assert GaitTemplate.objects.filter(person=newcomer).count() == 1
        summary = services.person_biometrics_erase(person=newcomer, actor=actor, reason="left")
        assert summary["templates"] == 1
        assert not GaitTemplate.objects.filter(person=newcomer).exists()
        assert identify_walk(inst, actor, camera, STRANGER, 3, fmt="csv").person is None


def _two_walkers(first: int, second: int, walk_seed: int) -> bytes:
    """One keypoint file with walkers 0 and 1: synthetic subjects ``first`` and ``second``."""
    tracks = [
        replace(walk(generate_person(SEED_BASE + subject), "nm", 90, seed=walk_seed), track_id=i)
        for i, subject in enumerate((first, second))
    ]
    with tempfile.TemporaryDirectory() as tmp:
        return write_keypoint_file(Path(tmp) / "two.npz", tracks, "npz").read_bytes()


def test_erasing_someone_keeps_the_other_walkers_of_their_clips(site, redeploy) -> None:
    """Erasure takes the person's track out of the kept keypoints of a clip they were
    recognised in; a walker of the same clip enrolled from review can still be re-embedded."""
    tenant, camera, people, newcomer, actor = site
    inst = tenant.institution
    with tenant_scope(inst):
        _opt_in(inst)
        sample = services.sample_create(
            institution=inst,
            actor=actor,
            content=_two_walkers(0, STRANGER, 5),
            filename="two.npz",
            purpose="identify",
            camera=camera,
        ).sample
        walkers = {r.track_id: r for r in Recognition.objects.filter(sample=sample)}
        assert walkers[0].person == people[0] and walkers[1].person is None
        services.recognition_review(
            recognition=walkers[1], actor=actor, action="person", person=newcomer
        )
        assert GaitTemplate.objects.filter(person=newcomer).count() == 1

        summary = services.person_biometrics_erase(person=people[0], actor=actor)
        assert summary["files_of_recognised_clips"] == 2  # the upload gone, keypoints rewritten
        sample.refresh_from_db()
        assert not sample.file and sample.file_deleted_at
        assert [t.track_id for t in read_keypoint_file(sample.keypoints.path)] == [1]

        redeploy()
        version = services.shipped_model_upgrade(institution=inst)
        assert GaitTemplate.objects.filter(model_version=version, person=newcomer).count() == 1
        assert not GaitTemplate.objects.filter(person=people[0]).exists()


def test_tenants_stay_apart(site, tenant_b, client_for) -> None:
    tenant, camera, _people, newcomer, actor = site
    inst = tenant.institution
    with tenant_scope(inst):
        _opt_in(inst)
        rec = identify_walk(inst, actor, camera, STRANGER, 3)
    other = client_for(tenant_b.user(Role.ADMIN))
    # B neither sees A's opt-in nor reviews A's recognition into its own gallery
    assert other.get(reverse("recognition-settings")).json()["enrol_from_reviews"] is False
    url = reverse("recognition-recognition-review", args=[rec.pk])
    b_person = tenant_b.people[0]
    answer = other.post(url, {"action": "person", "person": b_person.pk}, format="json")
    assert answer.status_code == 404
    # A cannot name B's person either
    mine = client_for(tenant.user(Role.REGISTRAR))
    answer = mine.post(url, {"action": "person", "person": b_person.pk}, format="json")
    assert answer.status_code == 400 and "person" in answer.json()
    with tenant_scope(inst):
        services.recognition_review(recognition=rec, actor=actor, action="person", person=newcomer)
        template = GaitTemplate.objects.get(recognition=rec)
        assert template.institution == inst
    with tenant_scope(tenant_b.institution):
        assert not GaitTemplate.objects.exists()
        version_b = services.model_version_active(institution=tenant_b.institution)
        assert services.gallery_for(version=version_b).person_ids.size == 0


def test_settings_page_api_and_admin_change_the_opt_in(tenant_a, client_for) -> None:
    admin = client_for(tenant_a.user(Role.ADMIN))
    url = reverse("recognition-settings")
    assert admin.get(url).json()["enrol_from_reviews"] is False
    changed = admin.patch(url, {"enrol_from_reviews": True}, format="json")
    assert changed.status_code == 200 and changed.json()["enrol_from_reviews"] is True
    bad = admin.patch(url, {"target_far": 0.1, "review_far": 0.01}, format="json")
    assert bad.status_code == 400 and "review_far" in bad.json()
    registrar = client_for(tenant_a.user(Role.REGISTRAR))
    assert registrar.patch(url, {"enrol_from_reviews": False}, format="json").status_code == 403
    with tenant_scope(tenant_a.institution):
        assert services.recognition_settings_get(
            institution=tenant_a.institution
        ).enrol_from_reviews


def test_a_new_model_version_reembeds_reviewed_walks_too(site, redeploy) -> None:
    tenant, camera, _people, newcomer, actor = site
    inst = tenant.institution
    with tenant_scope(inst):
        _opt_in(inst)
        rec = identify_walk(inst, actor, camera, STRANGER, 3)
        services.recognition_review(recognition=rec, actor=actor, action="person", person=newcomer)
        redeploy()
        other = services.shipped_model_upgrade(institution=inst)
        # 12 enrolment walks + 1 reviewed
        assert GaitTemplate.objects.filter(model_version=other).count() == 13
        again = GaitTemplate.objects.get(model_version=other, recognition=rec)
        assert again.person == newcomer and again.track_id == rec.track_id
        # withdrawing the review removes its template from every version
        services.recognition_review(recognition=rec, actor=actor, action="unknown")
        assert not GaitTemplate.objects.filter(recognition=rec).exists()
