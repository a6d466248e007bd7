"""Recognition pages through Django's client: upload, status polling, sample, pose data, review,
enrolment and erasure, with the roles of the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from recognition import services
from recognition.gait.keypoints import write_keypoint_file
from recognition.gait.synthetic import generate_person, walk
from recognition.models import BiometricAccessLog, Decision, GaitTemplate, Recognition
from tests.recognition.enrolled import enrolled_site
from tests.recognition.gait.perception_helpers import standing_still
from tests.recognition.portal.conftest import SEED_BASE, walk_bytes
from tests.web.conftest import page_queries, signed_in

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs when the upload commits


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def site(tenant_a):
    camera, people = enrolled_site(tenant_a)
    return tenant_a, camera, people


def _upload(client, content: bytes, name: str = "walk.npz", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("recognition-upload"),
        {"file": SimpleUploadedFile(name, content), "purpose": "identify", **fields},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )


def test_upload_then_status_shows_who_and_stops_polling(site) -> None:
    tenant, camera, people = site
    client = signed_in(tenant.user(Role.INSTRUCTOR))
    response = _upload(client, walk_bytes(3, 7), camera=camera.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    status = client.get(body["status_url"])
    assert status.status_code == 286  # htmx: stop polling, it is done
    html = status.content.decode()
    assert people[3].full_name in html and "Accepted" in html and "presence event" in html
    again = _upload(client, walk_bytes(3, 7), "again.npz", camera=camera.pk)
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_bad_uploads_answer_400_naming_the_field(site) -> None:
    tenant, _, _ = site
    client = signed_in(tenant.user(Role.REGISTRAR))
    not_video = _upload(client, b"plain text, not a video", "clip.mp4")
    assert not_video.status_code == 400 and not_video.json()["errors"].startswith("file:")
    no_file = client.post(
        reverse("recognition-upload"),
        {"purpose": "identify"},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert no_file.status_code == 400 and "file:" in no_file.json()["errors"]
    bad_camera = _upload(client, walk_bytes(1, 5), camera=999_999)
    assert bad_camera.status_code == 400 and "camera:" in bad_camera.json()["errors"]


def test_roles_on_upload(site) -> None:
    tenant, _, people = site
    assert signed_in(tenant.user(Role.VIEWER)).get(reverse("recognition-upload")).status_code == 403
    instructor = signed_in(tenant.user(Role.INSTRUCTOR))
    enrol = _upload(instructor, walk_bytes(0, 8), purpose="enrol", person=people[0].pk)
    assert enrol.status_code == 403
    assert "may not manage people" in enrol.json()["errors"]


def test_sample_page_and_pose_data_are_access_logged(site) -> None:
    tenant, camera, _ = site
    client = signed_in(tenant.user(Role.REGISTRAR))
    sample_id = _upload(client, walk_bytes(1, 6), camera=camera.pk).json()["id"]
    page = client.get(reverse("recognition-sample", args=[sample_id])).content.decode()
    assert "skeleton-viewer" in page and "Walker 1" in page
    pose = client.get(reverse("recognition-sample-pose", args=[sample_id])).json()
    assert pose["tracks"] and len(pose["tracks"][0]["frames"][0]) == 17
    assert [5, 6] in pose["edges"]
    with tenant_scope(tenant.institution):
        assert BiometricAccessLog.objects.filter(what__contains=f"sample {sample_id}").exists()
    # a keypoint upload has no video to take a frame from
    frame = client.get(reverse("recognition-sample-frame", args=[sample_id]))
    assert frame.status_code == 404 and b"raw video" in frame.content
    # another institution's sample does not exist; the list has one query count
    assert client.get(reverse("recognition-sample", args=[10**8])).status_code == 404
    assert page_queries(client, reverse("recognition-samples")) > 0


def test_review_queue_confirm_other_person_unknown(site) -> None:
    tenant, camera, people = site
    client = signed_in(tenant.user(Role.REGISTRAR))
    ids = []
    for subject in (1, 2, 4):
        sample_id = _upload(client, walk_bytes(subject, 9), camera=camera.pk).json()["id"]
        with tenant_scope(tenant.institution):
            ids.append(Recognition.objects.get(sample_id=sample_id).pk)
    with tenant_scope(tenant.institution):
        Recognition.objects.filter(pk__in=ids).update(decision=Decision.NEEDS_REVIEW)
    queue = client.get(reverse("recognition-review")).content.decode()
    assert "3 waiting" in queue and 'data-key="u"' in queue and 'data-key="c"' in queue
    client.post(reverse("recognition-review-submit", args=[ids[0]]), {"action": "confirm"})
    client.post(
        reverse("recognition-review-submit", args=[ids[1]]),
        {"action": "person", "person": people[5].pk, "note": "the badge says so"},
    )
    client.post(reverse("recognition-review-submit", args=[ids[2]]), {"action": "unknown"})
    with tenant_scope(tenant.institution):
        decided = {r.pk: r for r in Recognition.objects.filter(pk__in=ids)}
    assert decided[ids[0]].decision == Decision.ACCEPTED and decided[ids[0]].person == people[1]
    assert decided[ids[1]].person == people[5]
    assert decided[ids[2]].decision == Decision.UNKNOWN and decided[ids[2]].person is None
    missing = client.post(
        reverse("recognition-review-submit", args=[ids[0]]), {"action": "person"}, follow=True
    )
    assert "person: Choose the person who walked here." in missing.content.decode()
    assert (
        signed_in(tenant.user(Role.INSTRUCTOR)).get(reverse("recognition-review")).status_code
        == 403
    )


def test_enrolment_quality_and_erasure_with_confirmation(site) -> None:
    tenant, _, people = site
    client = signed_in(tenant.user(Role.REGISTRAR))
    person = people[0]
    page = client.get(reverse("recognition-enrolment", args=[person.pk])).content.decode()
    assert 'id="quality"' in page and "Clips" in page
    wrong = client.post(
        reverse("recognition-erase", args=[person.pk]),
        {"confirm": "nope", "reason": "left the school"},
        follow=True,
    )
    assert f"confirm: type {person.external_id}" in wrong.content.decode()
    with tenant_scope(tenant.institution):
        assert GaitTemplate.objects.filter(person=person).count() == 2
    done = client.post(
        reverse("recognition-erase", args=[person.pk]),
        {"confirm": person.external_id, "reason": "left the school"},
        follow=True,
    )
    assert "erased" in done.content.decode()
    with tenant_scope(tenant.institution):
        assert not GaitTemplate.objects.filter(person=person).exists()
    viewer = signed_in(tenant.user(Role.VIEWER))
    assert viewer.get(reverse("recognition-enrolment", args=[person.pk])).status_code == 403


def test_dashboard_shows_recognitions_and_the_review_count(site) -> None:
    tenant, camera, people = site
    client = signed_in(tenant.user(Role.REGISTRAR))
    sample_id = _upload(client, walk_bytes(2, 8), camera=camera.pk).json()["id"]
    with tenant_scope(tenant.institution):
        Recognition.objects.filter(sample_id=sample_id).update(decision=Decision.NEEDS_REVIEW)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'id="count-review">1<' in html
    assert people[2].full_name in html.split('id="recent-recognitions"')[1]


def test_settings_recalibrate_and_refuse_bad_rates(site) -> None:
    tenant, _, _ = site
    client = signed_in(tenant.user(Role.ADMIN))
    bad = client.post(
        reverse("institution-settings"),
        {
            "action": "recognition",
            "require_consent": "on",
            "target_far": "0.05",
            "review_far": "0.01",
        },
    )
    assert "cannot be below the target" in bad.content.decode()
    page = client.get(reverse("institution-settings")).content.decode()
    assert 'name="enrol_from_reviews"' in page
    saved = client.post(
        reverse("institution-settings"),
        {
            "action": "recognition",
            "target_far": "0.01",
            "review_far": "0.05",
            "enrol_from_reviews": "on",
        },
    )
    assert saved.status_code == 302
    with tenant_scope(tenant.institution):
        site_settings = services.recognition_settings_get(institution=tenant.institution)
    assert site_settings.enrol_from_reviews and not site_settings.require_consent
    done = client.post(reverse("institution-settings"), {"action": "calibrate"}, follow=True)
    assert "Calibrated on 6 people" in done.content.decode()


def test_someone_standing_in_the_clip_is_listed_as_left_out(site, tmp_path) -> None:
    tenant, camera, _ = site
    walker = walk(generate_person(SEED_BASE + 1), "nm", 90, seed=7)
    waiting = standing_still(walk(generate_person(SEED_BASE + 30), "nm", 60, seed=1), 4, seed=5)
    path = write_keypoint_file(tmp_path / "two.npz", [walker, waiting], "npz")
    client = signed_in(tenant.user(Role.REGISTRAR))
    sample_id = _upload(client, path.read_bytes(), camera=camera.pk).json()["id"]
    page = client.get(reverse("recognition-sample", args=[sample_id])).content.decode()
    assert "Left out:" in page and f"person {waiting.track_id}: not walking" in page
    with tenant_scope(tenant.institution):
        assert Recognition.objects.filter(sample_id=sample_id).count() == 1
