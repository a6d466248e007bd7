"""End to end through a real heavy django-q2 cluster and a real database file: five synthetic
people enrolled from keypoint files, three probes identified (two of them known, one stranger),
presence events and attendance records follow, and a registrar's review names the stranger.
(The video path through real decoding runs in test_worker.py.)"""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.recognition.portal.test_worker import (
    ROOT,
    SCRIPT,
    _query,
    _start_cluster,
    _stop,
    _wait_for,
    worker_env,  # noqa: F401 - fixture
)


def _script(env, *args) -> str:
    return subprocess.run(
        [sys.executable, SCRIPT, *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_enrol_identify_count_and_review_through_a_real_worker(worker_env, tmp_path) -> None:  # noqa: F811
    env, db = worker_env
    out = _script(env, "setup_e2e", str(tmp_path))
    camera = out.split("CAMERA=")[1].split()[0]
    cluster = _start_cluster(env, tmp_path / "cluster.log")
    try:

        def statuses(purpose):
            return [
                s
                for (s,) in _query(
                    db, "select status from recognition_gaitsample where purpose=?", purpose
                )
            ]

        _wait_for(lambda: statuses("enrol") == ["done"] * 10, 300, "10 enrolments")
        assert _query(db, "select count(*) from recognition_gaittemplate")[0][0] == 10

        ids = dict(
            line.split("=") for line in _script(env, "identify", str(tmp_path), camera).split()
        )
        _wait_for(
            lambda: sorted(statuses("identify")) == ["done"] * 3,
            300,
            "3 identifications",
        )

        def recognition(sample_id):
            return _query(
                db,
                "select r.id, r.decision, p.external_id, r.presence_event_id "
                "from recognition_recognition r left join accounts_person p on p.id = r.person_id "
                "where r.sample_id=?",
                int(sample_id),
            )

        [known1] = recognition(ids["known1"])
        [known3] = recognition(ids["known3"])
        [stranger] = recognition(ids["stranger"])
        assert known1[1:3] == ("accepted", "E1") and known1[3] is not None
        assert known3[1:3] == ("accepted", "E3") and known3[3] is not None
        assert stranger[1] in ("unknown", "needs_review") and stranger[2] is None
        assert stranger[3] is None

        records = dict(
            _query(
                db,
                "select p.external_id, r.status from attendance_attendancerecord r "
                "join accounts_person p on p.id = r.person_id",
            )
        )
        assert records["E1"] in ("present", "late") and records["E3"] in ("present", "late")
        assert records.get("E0") not in ("present", "late")  # not seen: no record yet

        _script(env, "review_unknown", str(stranger[0]), "E0")
        [reviewed] = recognition(ids["stranger"])
        assert reviewed[1:3] == ("accepted", "E0") and reviewed[3] is not None
        events = _query(db, "select count(*) from attendance_presenceevent")[0][0]
        assert events == 3
        records = dict(
            _query(
                db,
                "select p.external_id, r.status from attendance_attendancerecord r "
                "join accounts_person p on p.id = r.person_id",
            )
        )
        assert records["E0"] in ("present", "late")
    finally:
        _stop(cluster, signal.SIGTERM)
