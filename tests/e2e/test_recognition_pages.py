"""Recognition in a real browser: upload a generated walk, watch it to done, see who it was and
the attendance record change; review a flagged recognition with one keystroke; the skeleton
viewer plays the stored pose sequence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actors import Actor
from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance import services as attendance_services
from attendance.models import AttendanceRecord, Status
from recognition.models import Decision, Recognition
from tests.recognition.enrolled import enrolled_site, identify_walk
from tests.recognition.portal.conftest import walk_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def enrolled(tenant_a):
    """Six consenting people of tenant A's unit, each enrolled with two synthetic walks, an
    entry camera and a session running now."""
    camera, people = enrolled_site(tenant_a)
    with tenant_scope(tenant_a.institution):
        start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=20)
        session = attendance_services.session_create(
            institution=tenant_a.institution,
            unit=tenant_a.unit,
            title="Biology",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
    return tenant_a, camera, people, session


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#institution-name")


def test_upload_a_walk_and_watch_it_to_the_attendance_record(live_server, page, enrolled):
    tenant, camera, people, session = enrolled
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, live_server, tenant.user(Role.INSTRUCTOR))
    page.click("text=Upload")
    page.select_option("#upload-camera", str(camera.pk))
    page.set_input_files(
        "#upload-files",
        files=[
            {
                "name": "door.npz",
                "mimeType": "application/octet-stream",
                "buffer": walk_bytes(2, 7),
            },
        ],
    )
    item = page.locator(".upload-item").first
    item.locator("progress").first.wait_for()  # the upload's own progress bar
    done = item.locator('.sample-progress[data-status="done"]')
    done.wait_for(timeout=60_000)
    text = item.inner_text()
    assert people[2].full_name in text and "Accepted" in text
    assert "presence event: In" in text
    with tenant_scope(tenant.institution):
        record = AttendanceRecord.objects.get(session=session, person=people[2])
    assert record.status in (Status.PRESENT, Status.LATE)
    page.goto(f"{live_server.url}/attendance/sessions/{session.pk}/")
    row = page.locator(f"#person-{people[2].pk}")
    assert row.get_attribute("data-status") == record.status
    # the sample page plays the stored skeletons
    page.goto(f"{live_server.url}/recognition/samples/")
    page.click("text=door.npz")
    page.wait_for_selector('.skeleton-viewer[data-ready="true"]')
    page.click("[data-play]")
    scrub = page.locator(".skeleton-viewer input[type=range]")
    for _ in range(50):  # playing: the frame moves on (polled here: the page's CSP forbids eval)
        if int(scrub.input_value()) > 3:
            break
        page.wait_for_timeout(100)
    assert int(scrub.input_value()) > 3
    page.click("[data-play]")
    assert page.get_attribute("[data-play]", "aria-pressed") == "false"
    assert not violations, violations


def test_upload_a_generated_video_and_watch_it_to_done(live_server, page, enrolled, tmp_path):
    """A rendered stick-figure walk (.mp4) goes through the real pose backend in the worker."""
    from recognition.gait.synthetic import generate_person, render_video, walk
    from tests.recognition.portal.conftest import SEED_BASE

    tenant, camera, _people, _session = enrolled
    clip = render_video(
        walk(generate_person(SEED_BASE + 1), "nm", 90, seed=11), tmp_path / "door.mp4"
    )
    sign_in(page, live_server, tenant.user(Role.REGISTRAR))
    page.goto(f"{live_server.url}/recognition/upload/")
    page.select_option("#upload-camera", str(camera.pk))
    page.set_input_files("#upload-files", str(clip))
    item = page.locator(".upload-item").first
    item.locator(
        ".sample-progress[data-status=done], .sample-progress[data-status=failed]"
    ).wait_for(timeout=180_000)
    text = item.inner_text()
    assert "Done" in text, text
    assert "Walker 1" in text, text
    # the sample page shows a frame of the clip with the stored keypoints drawn on it
    item.locator("text=Open the sample").click()
    frame = page.locator("img.frame")
    frame.wait_for()
    page.wait_for_load_state("networkidle")
    assert frame.evaluate("img => img.complete && img.naturalWidth") > 0


def test_review_a_flagged_recognition_with_one_keystroke(live_server, page, enrolled):
    tenant, camera, _people, _session = enrolled
    inst = tenant.institution
    actor = Actor(institution=inst, role=Role.REGISTRAR, user=tenant.user(Role.REGISTRAR))
    with tenant_scope(inst):
        recognition = identify_walk(inst, actor, camera, 4, 9)
        # a borderline walk: the registrar must decide (as the matcher does between thresholds)
        Recognition.objects.filter(pk=recognition.pk).update(
            decision=Decision.NEEDS_REVIEW, presence_event=None
        )
    sign_in(page, live_server, tenant.user(Role.REGISTRAR))
    page.goto(f"{live_server.url}/recognition/review/")
    assert page.get_attribute("#review", "data-recognition") == str(recognition.pk)
    page.keyboard.press("u")
    page.wait_for_selector("text=Nothing waits for review.")
    recognition.refresh_from_db()
    assert recognition.decision == Decision.UNKNOWN and recognition.person is None
