"""A real django-q2 heavy cluster, killed with SIGKILL in the middle of a video: when it comes
back the sample is processed again and completes exactly once (one recognition, one event).

The worker runs in its own process group against a database file of its own (migrated here),
so the test sees exactly what a deployment would: the ORM broker redelivers the unacknowledged
task once its lock is older than the cluster's `retry` seconds.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from tests.recognition.gait.perception_helpers import render_video

ROOT = Path(settings.BASE_DIR)
SCRIPT = "tests/recognition/portal/worker_script.py"
TIMEOUT, RETRY = 40, 41  # seconds: a task runs at most TIMEOUT, is redelivered after RETRY


def _walker(offset: int):
    def people(i):
        return [(40 + offset + 4 * i, 60, 300, np.sin(i / 2))]

    return people


@pytest.fixture
def worker_env(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gaitportal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONPATH": str(ROOT),
        "Q_HEAVY_TIMEOUT": str(TIMEOUT),
        "Q_HEAVY_RETRY": str(RETRY),
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    return env, tmp_path / "worker.sqlite3"


def _start_cluster(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**env, "Q_CLUSTER_NAME": settings.GAIT_HEAVY_CLUSTER},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killed whole, workers included
    )


def _stop(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _query(db: Path, sql: str, *args):
    with sqlite3.connect(db, timeout=20) as conn:
        return conn.execute(sql, args).fetchall()


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_worker_completes_the_sample_exactly_once(worker_env, tmp_path) -> None:
    env, db = worker_env
    enrol = render_video(tmp_path / "enrol.avi", _walker(0), n_frames=120, size=(640, 480))
    probe = render_video(tmp_path / "probe.avi", _walker(20), n_frames=120, size=(640, 480))
    out = subprocess.run(
        [sys.executable, SCRIPT, "setup", str(enrol), str(probe)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    sample_id = int(out.split("PROBE=")[1].split()[0])

    def sample():
        return _query(
            db, "select status, stage, attempts from recognition_gaitsample where id=?", sample_id
        )[0]

    log = tmp_path / "cluster.log"
    cluster = _start_cluster(env, log)
    try:
        _wait_for(lambda: sample()[0] == "processing", 120, "the worker to start the sample")
        time.sleep(1.0)  # well inside pose estimation of a 120-frame video
        _stop(cluster, signal.SIGKILL)
        status, stage, attempts = sample()
        assert (status, attempts) == ("processing", 1), (status, stage, attempts)
        assert _query(db, "select count(*) from attendance_presenceevent")[0][0] == 0

        cluster = _start_cluster(env, log)
        _wait_for(lambda: sample()[0] in ("done", "failed"), RETRY + 120, "the redelivery")
        status, stage, attempts = sample()
        assert status == "done", (status, log.read_text()[-3000:])
        assert attempts == 2
        recognitions = _query(db, "select decision, presence_event_id from recognition_recognition")
        assert len(recognitions) == 1
        assert recognitions[0][0] == "accepted", recognitions
        events = _query(db, "select id from attendance_presenceevent")
        assert [(e,) for (e,) in events] == [(recognitions[0][1],)]
        time.sleep(2)  # nothing else arrives later
        assert _query(db, "select count(*) from attendance_presenceevent")[0][0] == 1
    finally:
        _stop(cluster, signal.SIGTERM)
