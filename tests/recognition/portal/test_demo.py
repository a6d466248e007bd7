"""The newcomer's road (issue 25): after seed_demo, a video rendered by gait_demo_clip of the
first demo person goes through real decoding and MediaPipe and is recognised and counted, and
the review queue has a case to show. (Not asserted: a stranger's video staying unknown; MediaPipe
tracks of the cartoon carry little identity, see gait_demo_clip's help.)"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from accounts.models import Institution, User
from accounts.tenancy import tenant_scope
from attendance.models import Camera, PresenceEvent
from recognition.demo import demo_people
from recognition.models import Recognition

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SAMPLES = "/api/v1/recognition/samples/"
ACCEPTED_SEED = 205  # a walk the demo never enrolled (scored 0.87 against the seeded gallery)


def _upload(client, post, path, camera: Camera) -> dict:
    clip = SimpleUploadedFile(path.name, path.read_bytes())
    response = post(client, SAMPLES, {"file": clip, "purpose": "identify", "camera": camera.pk})
    assert response.status_code == 202, response.content
    return client.get(response["Location"]).json()


def test_a_rendered_demo_clip_is_recognised_and_counted(
    tmp_path, client_for, django_capture_on_commit_callbacks
) -> None:
    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, format="multipart")

    call_command("seed_demo", stdout=io.StringIO())
    institution = Institution.objects.get(slug="northfield-academy")
    with tenant_scope(institution):
        first = demo_people(institution)[0]
        camera = Camera.objects.get(name="Main entrance")
        assert Recognition.objects.filter(decision="needs_review").exists()
    client = client_for(User.objects.get(username="northfield-registrar"))

    clip = tmp_path / "walk.mp4"
    call_command(
        "gait_demo_clip",
        institution=institution.slug,
        out=str(clip),
        seed=ACCEPTED_SEED,
        stdout=io.StringIO(),
    )
    sample = _upload(client, post, clip, camera)
    assert sample["status"] == "done" and sample["kind"] == "video"
    [recognition] = sample["recognitions"]
    assert (recognition["person"], recognition["decision"]) == (first.pk, "accepted")
    with tenant_scope(institution):
        event = PresenceEvent.objects.get(pk=recognition["presence_event"])
        assert event.person_id == first.pk
