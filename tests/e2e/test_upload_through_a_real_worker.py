"""The whole recognition path in a real browser against a live server, on the test database,
processed by real django-q2 clusters (`manage.py qcluster` subprocesses: the default one and the
heavy one that takes gait samples), not by the test settings' in-process sync mode.

Sign in, upload a keypoint file of an enrolled synthetic walker, watch it go from Queued to Done
through the page's polling, see who it was and the roster change; then a borderline walk lands in
the review queue and is confirmed there with one keystroke, and that person's record changes too;
last a rendered video goes through real decoding and pose estimation in the heavy worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance.models import AttendanceRecord, Status
from recognition.gait.synthetic import generate_person, render_video, walk
from recognition.models import Decision, GaitModelVersion, Recognition
from recognition.services.versions import model_version_active
from tests.e2e.test_recognition_pages import enrolled, sign_in  # noqa: F401 - fixture
from tests.recognition.portal.conftest import SEED_BASE, walk_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _database_url() -> str:
    """The test database (pytest-django's), as the worker's DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        assert "memory" not in name, "the worker needs a file: see gaitportal/settings/test.py"
        return f"sqlite:///{name}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_workers(tmp_path, monkeypatch) -> Iterator:
    """Call to start both clusters; until then an upload waits, queued, in the ORM broker."""
    from django_q.conf import Conf

    # the live server (a thread of this process) enqueues for real instead of running inline
    monkeypatch.setattr(Conf, "SYNC", False)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gaitportal.settings.local",
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    clusters: list[subprocess.Popen] = []
    log = tmp_path / "clusters.log"

    def start() -> None:
        for name in (settings.Q_CLUSTER["name"], settings.GAIT_HEAVY_CLUSTER):
            clusters.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "qcluster"],
                    cwd=ROOT,
                    env={**env, "Q_CLUSTER_NAME": name},
                    stdout=log.open("ab"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: stopped whole
                )
            )

    yield start
    # Nothing is in flight by now (both samples are done): a graceful SIGTERM stop only waits
    # out django-q2's stop timeouts, so the groups are killed outright before the live server
    # and the database go.
    for proc in clusters:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _upload(page, camera, name: str, content: bytes):
    page.select_option("#upload-camera", str(camera.pk))
    page.set_input_files(
        "#upload-files",
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": content}],
    )
    return page.locator(".upload-item", has_text=name)


def _record(tenant, session, person) -> str | None:
    with tenant_scope(tenant.institution):
        record = AttendanceRecord.objects.filter(session=session, person=person).first()
    return record.status if record else None


def test_upload_watch_recognise_and_review_through_real_workers(
    live_server,
    page,
    enrolled,  # noqa: F811
    start_workers,
    tmp_path,
):
    tenant, camera, people, session = enrolled
    walker, borderline = people[2], people[3]
    assert _record(tenant, session, walker) is None
    assert _record(tenant, session, borderline) is None
    sign_in(page, live_server, tenant.user(Role.REGISTRAR))
    page.click("text=Upload")

    item = _upload(page, camera, "door.npz", walk_bytes(2, 7))
    progress = item.locator(".sample-progress")
    # no worker yet: the sample waits in the broker and the page says so
    item.locator('.sample-progress[data-status="queued"]').wait_for(timeout=20_000)
    assert "Queued" in progress.inner_text()

    start_workers()
    seen = set()
    for _ in range(600):  # the page's own polling moves it on (0.1 s steps, at most 60 s)
        status = progress.get_attribute("data-status")
        seen.add(status)
        if status in ("done", "failed"):
            break
        page.wait_for_timeout(100)
    assert status == "done", (seen, item.inner_text())
    text = item.inner_text()
    assert walker.full_name in text and "Accepted" in text, text
    assert "presence event: In" in text, text
    with tenant_scope(tenant.institution):
        recognition = Recognition.objects.get(sample__original_name="door.npz")
    assert recognition.person_id == walker.pk and recognition.decision == Decision.ACCEPTED
    assert f"{recognition.score:.2f}" in text, text  # the similarity shown beside the name
    status = _record(tenant, session, walker)
    assert status in (Status.PRESENT, Status.LATE)
    page.goto(f"{live_server.url}/attendance/sessions/{session.pk}/")
    assert page.get_attribute(f"#person-{walker.pk}", "data-status") == status

    # a borderline walk: no score reaches the acceptance threshold, so the matcher flags it
    with tenant_scope(tenant.institution):
        version = model_version_active(institution=tenant.institution)
        GaitModelVersion.objects.filter(pk=version.pk).update(threshold=1.01)
    page.goto(f"{live_server.url}/recognition/upload/")
    item = _upload(page, camera, "corridor.npz", walk_bytes(3, 8))
    item.locator('.sample-progress[data-status="done"]').wait_for(timeout=60_000)
    assert "Needs review" in item.inner_text(), item.inner_text()
    assert _record(tenant, session, borderline) is None  # nobody is counted before a person says

    page.goto(f"{live_server.url}/recognition/review/")
    with tenant_scope(tenant.institution):
        flagged = Recognition.objects.get(sample__original_name="corridor.npz")
    assert flagged.decision == Decision.NEEDS_REVIEW and flagged.person_id is None
    assert page.get_attribute("#review", "data-recognition") == str(flagged.pk)
    assert borderline.full_name in page.locator("#review ol li").first.inner_text()
    page.keyboard.press("c")  # confirm the best candidate
    page.wait_for_selector("text=Nothing waits for review.")
    flagged.refresh_from_db()
    assert flagged.decision == Decision.ACCEPTED and flagged.person_id == borderline.pk
    status = _record(tenant, session, borderline)
    assert status in (Status.PRESENT, Status.LATE)
    page.goto(f"{live_server.url}/attendance/sessions/{session.pk}/")
    assert page.get_attribute(f"#person-{borderline.pk}", "data-status") == status

    # a rendered stick-figure video: decoded and posed by the real backend inside the heavy worker
    clip = render_video(
        walk(generate_person(SEED_BASE + 1), "nm", 90, seed=11), tmp_path / "hall.mp4"
    )
    page.goto(f"{live_server.url}/recognition/upload/")
    page.select_option("#upload-camera", str(camera.pk))
    page.set_input_files("#upload-files", str(clip))
    item = page.locator(".upload-item", has_text="hall.mp4")
    item.locator(
        ".sample-progress[data-status=done], .sample-progress[data-status=failed]"
    ).wait_for(timeout=60_000)
    assert "Done" in item.inner_text() and "Walker 1" in item.inner_text(), item.inner_text()
