"""Recognition through the portal's services (issue 25), on a database of its own.

Parts (all by default, or --part NAME):
- upload: a 20 MB video POSTed to /api/v1/recognition/samples/ through Django's full request
  stack (auth, tenant binding, parsing, content check by decoding, hashing, storing, queueing):
  time to the 202, median of --repeats uploads of different files.
- e2e: a 10-second 720p clip of a walking cartoon person, enrolled beforehand from another clip:
  upload -> presence event with ONE real heavy django-q2 worker (subprocess `manage.py qcluster`),
  with the time of each stage (queue wait, pose, embedding, match + event).
- accuracy: --people synthetic people enrolled through the services (one walk each), --probes
  probe walks of theirs (nm/bg/cl, views 0-180) and --strangers walks of people never enrolled,
  identified through the services; the same files scored by the engine's evaluation
  (`evaluate_folder`, what `gait_evaluate` runs): rank-1, rank-5, the best score of every probe,
  and at the model's threshold the known probes accepted correctly and strangers accepted.
- gallery: one probe matched in the service (`match_probe`) against a gallery of --gallery
  people (random unit vectors of the model's dimension), and the gallery lookup that precedes it
  (`gallery_for`: the change check on the templates table, cached matrix), on a real table of
  that many templates.

Usage: nice -n 10 python bench/bench_recognition_service.py [--part all] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup_django(workdir: Path) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "gaitportal.settings.local",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "GAIT_UPLOAD_MAX_BYTES": str(100 * 1024 * 1024),
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def _site(slug: str, n_people: int):
    from accounts.models import Institution, Membership, Person, User
    from accounts.tenancy import tenant_scope
    from attendance.models import Camera

    institution = Institution.objects.create(name=slug, slug=slug, kind="school")
    user = User.objects.create_user(username=f"{slug}-registrar", password="x")
    with tenant_scope(institution):
        Membership.objects.create(institution=institution, user=user, role="registrar")
        camera = Camera.objects.create(institution=institution, name="Door", role="entry")
        Person.objects.bulk_create(
            Person(
                institution=institution,
                external_id=f"P{i:06d}",
                first_name="P",
                last_name=str(i),
                kind="student",
                consent_given=True,
            )
            for i in range(n_people)
        )
        people = list(Person.objects.order_by("pk"))
    return institution, user, camera, people


def _cartoon_video(path: Path, seconds: float, size=(1280, 720), fps=25.0, offset=0) -> Path:
    from tests.recognition.gait.perception_helpers import render_video

    n = int(seconds * fps)
    w = size[0]
    speed = (w - 200) / n

    def people(i):
        return [(100 + offset + speed * i, 120, 480, np.sin(i / 3))]

    return render_video(path, people, n_frames=n, fps=fps, size=size)


def part_upload(workdir: Path, repeats: int) -> dict:
    from django.test import Client

    institution, user, camera, _ = _site("upload", 1)
    base = _cartoon_video(workdir / "big.avi", 12.0, size=(1280, 720))
    data = base.read_bytes()
    target = 20 * 1024 * 1024
    client = Client()
    client.force_login(user)
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    times = []
    for i in range(repeats + 1):  # the first upload warms the imports up and is not counted
        # a different file each time (bytes after the AVI's last chunk), 20 MB
        body = data[:target] if len(data) >= target else data + b"\0" * (target - len(data))
        path = workdir / f"upload-{i}.avi"
        path.write_bytes(body + f"#{i}".encode())
        with path.open("rb") as handle:
            payload = encode_multipart(
                BOUNDARY, {"file": handle, "purpose": "identify", "camera": str(camera.pk)}
            )
        started = time.perf_counter()
        response = client.generic(
            "POST",
            "/api/v1/recognition/samples/",
            payload,
            content_type=MULTIPART_CONTENT,
            HTTP_X_INSTITUTION=institution.slug,
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 202, response.content[:500]
        if i:
            times.append(elapsed)
    return {
        "bytes": path.stat().st_size,
        "upload_202_ms_median": round(1000 * float(np.median(times)), 1),
        "upload_202_ms_all": [round(1000 * t, 1) for t in times],
    }


def part_e2e(workdir: Path, env: dict) -> dict:
    from django.conf import settings
    from django_q.models import OrmQ

    from accounts.tenancy import tenant_scope
    from attendance.models import PresenceEvent
    from recognition import services
    from recognition.models import GaitSample, Recognition

    institution, user, camera, people = _site("e2e", 1)
    enrol_clip = _cartoon_video(workdir / "enrol.avi", 6.0, size=(1280, 720), offset=0)
    probe_clip = _cartoon_video(workdir / "probe.avi", 10.0, size=(1280, 720), offset=10)
    warm_clip = _cartoon_video(workdir / "warm.avi", 2.0, size=(640, 360), offset=5)
    with tenant_scope(institution):
        enrol = services.sample_create(
            institution=institution,
            actor=None,
            content=enrol_clip.read_bytes(),
            filename="enrol.avi",
            purpose="enrol",
            person=people[0],
        ).sample
        services.sample_process(sample_id=enrol.pk)
        enrol.refresh_from_db()
        assert enrol.status == "done", enrol.error
    OrmQ.objects.all().delete()
    log = workdir / "cluster.log"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**os.environ, **env, "Q_CLUSTER_NAME": settings.GAIT_HEAVY_CLUSTER},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        from django.test import Client

        client = Client()
        client.force_login(user)
        # Warm-up (not timed): a short clip makes the worker load the pose model and the
        # network (traced and frozen once per process), as a running worker already has.
        with warm_clip.open("rb") as handle:
            warm_id = client.post(
                "/api/v1/recognition/samples/",
                {"file": handle, "purpose": "identify"},
                HTTP_X_INSTITUTION=institution.slug,
            ).json()["id"]
        with tenant_scope(institution):
            while GaitSample.objects.get(pk=warm_id).status not in ("done", "failed"):
                time.sleep(0.2)
        with probe_clip.open("rb") as handle:
            started = time.perf_counter()
            response = client.post(
                "/api/v1/recognition/samples/",
                {"file": handle, "purpose": "identify", "camera": camera.pk},
                HTTP_X_INSTITUTION=institution.slug,
            )
            answered = time.perf_counter() - started
        sample_id = response.json()["id"]
        deadline = time.monotonic() + 300
        with tenant_scope(institution):
            while time.monotonic() < deadline:
                if PresenceEvent.objects.exists():
                    break
                sample = GaitSample.objects.get(pk=sample_id)
                if sample.status == "failed":
                    break
                time.sleep(0.05)
            to_event = time.perf_counter() - started
            sample = GaitSample.objects.get(pk=sample_id)
            recognitions = list(
                Recognition.objects.filter(sample=sample).values("decision", "score")
            )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
    timings = sample.details.get("timings", {})
    return {
        "clip": "10 s, 1280x720, 25 frames/s (MJPG .avi, cartoon walker)",
        "status": sample.status,
        "error": sample.error,
        "recognitions": recognitions,
        "upload_202_s": round(answered, 3),
        "upload_to_event_s": round(to_event, 2),
        "load_average_1min": os.getloadavg()[0],
        "queue_wait_s": round((sample.started_at - sample.created_at).total_seconds(), 2),
        "pose_s": timings.get("pose_s"),
        "embed_s": timings.get("embed_s"),
        "worker_total_s": round((sample.finished_at - sample.started_at).total_seconds(), 2),
    }


def part_accuracy(workdir: Path, n_people: int, n_probes: int, n_strangers: int) -> dict:
    from accounts.tenancy import tenant_scope
    from recognition import services
    from recognition.gait.embedding import GaitEmbedder
    from recognition.gait.evaluation import evaluate_folder, load_walker
    from recognition.gait.keypoints import write_keypoint_file
    from recognition.gait.synthetic import WalkSpec, generate_walks
    from recognition.models import Recognition
    from recognition.services.runtime import shipped_model_path

    base = 9_300_000
    rng = np.random.default_rng(0)
    folder = workdir / "walks"
    folder.mkdir()
    specs = [WalkSpec(base + s, "nm", 1, 90.0) for s in range(n_people)]
    for k in range(n_probes):
        s = k % n_people
        cond = ("nm", "bg", "cl")[k % 3]
        specs.append(
            WalkSpec(base + s, cond, 2 + k // n_people, float(rng.choice(range(0, 181, 18))))
        )
    for k in range(n_strangers):
        specs.append(WalkSpec(base + n_people + k, "nm", 2, float(rng.choice(range(0, 181, 18)))))
    files = {}
    for spec, track in generate_walks(specs, seed=1):
        role = "gal" if spec.walk_index == 1 and spec.subject < base + n_people else spec.condition
        name = f"{spec.subject:07d}-{role}-{spec.walk_index:02d}-{int(spec.view):03d}.npz"
        files[name] = write_keypoint_file(folder / name, [track], "npz")

    institution, _user, _camera, people = _site("accuracy", n_people)
    person_of = {base + i: p for i, p in enumerate(people)}
    started = time.perf_counter()
    sample_of = {}
    with tenant_scope(institution):
        # every enrolment first, then every probe (a probe sees the whole gallery)
        ordered = sorted(files.items(), key=lambda item: ("-gal-" not in item[0], item[0]))
        for name, path in ordered:
            subject = int(name.split("-")[0])
            enrol = "-gal-" in name
            made = services.sample_create(
                institution=institution,
                actor=None,
                content=path.read_bytes(),
                filename=name,
                purpose="enrol" if enrol else "identify",
                person=person_of[subject] if enrol else None,
            )
            services.sample_process(sample_id=made.sample.pk)
            if not enrol:
                sample_of[name] = made.sample.pk
        service_s = time.perf_counter() - started
        version = services.model_version_active(institution=institution)
        threshold = version.shipped_threshold  # same threshold both sides
        recs = {
            r.sample_id: r for r in Recognition.objects.filter(sample_id__in=sample_of.values())
        }
    pid_to_subject = {p.pk: s for s, p in person_of.items()}

    embedder = GaitEmbedder.from_checkpoint(shipped_model_path())
    report = evaluate_folder(
        folder,
        r"(?P<subject>\d+)-(?P<condition>[a-z]+)",
        ["gal"],
        ["nm", "bg", "cl"],
        embedder,
        threshold=threshold,
        gallery_mode="templates",
    )
    # The engine's per-probe best scores, for a file-by-file comparison.
    gal_names = sorted(n for n in files if "-gal-" in n)
    gal = np.stack([embedder.embed_track(load_walker(files[n])) for n in gal_names])
    gal_subjects = np.array([int(n.split("-")[0]) for n in gal_names])
    diffs, svc_rank1, eng_rank1, svc_rank5 = [], [], [], []
    svc_known_ok, eng_known_ok, svc_strangers, eng_strangers = [], [], [], []
    for name, sample_id in sorted(sample_of.items()):
        subject = int(name.split("-")[0])
        rec = recs[sample_id]
        probe = embedder.embed_track(load_walker(files[name]))
        scores = gal @ probe
        best = int(np.argmax(scores))
        top = [pid_to_subject[c["person"]] for c in rec.candidates]
        diffs.append(abs(float(scores[best]) - float(rec.score if rec.score is not None else -9)))
        known = subject < base + n_people
        if known:
            svc_rank1.append(top[0] == subject)
            svc_rank5.append(subject in top[:5])
            eng_rank1.append(gal_subjects[best] == subject)
            svc_known_ok.append(
                rec.decision == "accepted" and rec.person_id == person_of[subject].pk
            )
            eng_known_ok.append(gal_subjects[best] == subject and scores[best] >= threshold)
        else:
            svc_strangers.append(rec.decision == "accepted")
            eng_strangers.append(bool(scores[best] >= threshold))
    return {
        "people": n_people,
        "probes": len(svc_rank1),
        "strangers": len(svc_strangers),
        "service_seconds": round(service_s, 1),
        "threshold": threshold,
        "service": {
            "rank1": float(np.mean(svc_rank1)),
            "rank5": float(np.mean(svc_rank5)),
            "known_accepted_correct": float(np.mean(svc_known_ok)),
            "strangers_accepted": float(np.mean(svc_strangers)) if svc_strangers else None,
        },
        "engine_same_files": {
            "rank1": float(np.mean(eng_rank1)),
            "known_accepted_correct": float(np.mean(eng_known_ok)),
            "strangers_accepted": float(np.mean(eng_strangers)) if eng_strangers else None,
        },
        "gait_evaluate_report": {
            k: report.get(k) for k in ("overall", "conditions", "open_set", "gallery_mode")
        },
        "max_abs_best_score_difference": float(max(diffs)),
    }


def part_gallery(workdir: Path, n: int, repeats: int) -> dict:
    from accounts.tenancy import tenant_scope
    from recognition import services
    from recognition.gait.embedding import l2_normalize
    from recognition.models import GaitSample, GaitTemplate
    from recognition.services.matching import Gallery, gallery_for, match_probe

    institution, _user, _camera, people = _site("gallery", n)
    with tenant_scope(institution):
        version = services.model_version_active(institution=institution)
        dim = 256
        rng = np.random.default_rng(0)
        vectors = l2_normalize(rng.standard_normal((n, dim)).astype(np.float32))
        sample = GaitSample.objects.create(
            institution=institution,
            purpose="enrol",
            person=people[0],
            kind="keypoints",
            captured_at="2026-01-01T00:00:00Z",
            sha256="0" * 64,
            status="done",
        )
        GaitTemplate.objects.bulk_create(
            (
                GaitTemplate(
                    institution=institution,
                    person=p,
                    model_version=version,
                    sample=sample,
                    track_id=i,
                    embedding=GaitTemplate.pack(v),
                )
                for i, (p, v) in enumerate(zip(people, vectors, strict=True))
            ),
            batch_size=5000,
        )
        t0 = time.perf_counter()
        gallery = gallery_for(version=version)
        build_s = time.perf_counter() - t0
        assert len(gallery.person_ids) == n
        probe = vectors[123] + 0.05 * rng.standard_normal(dim).astype(np.float32)
        match_ms, lookup_ms = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            g = gallery_for(version=version)
            t1 = time.perf_counter()
            match = match_probe(
                probe,
                gallery=g,
                threshold=version.threshold,
                review_threshold=version.review_threshold,
            )
            t2 = time.perf_counter()
            lookup_ms.append(1000 * (t1 - t0))
            match_ms.append(1000 * (t2 - t1))
        assert match.person_id == people[123].pk
        one = Gallery.from_embeddings({people[0].pk: vectors[:1]})
        t0 = time.perf_counter()
        for _ in range(repeats):
            match_probe(probe, gallery=one, threshold=0.5, review_threshold=0.4)
        one_ms = 1000 * (time.perf_counter() - t0) / repeats
    return {
        "gallery": n,
        "dim": dim,
        "match_ms_median": round(float(np.median(match_ms)), 2),
        "gallery_lookup_ms_median": round(float(np.median(lookup_ms)), 2),
        "match_1_ms": round(one_ms, 3),
        "first_build_s": round(build_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--part", default="all", choices=["all", "upload", "e2e", "accuracy", "gallery"]
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--strangers", type=int, default=50)
    parser.add_argument("--gallery", type=int, default=100_000)
    parser.add_argument("--json-out", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-recognition-"))
    env = _setup_django(workdir)
    import torch

    torch.set_num_threads(1)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    parts = ["upload", "e2e", "accuracy", "gallery"] if args.part == "all" else [args.part]
    for part in parts:
        t0 = time.perf_counter()
        if part == "upload":
            result[part] = part_upload(workdir, args.repeats)
        elif part == "e2e":
            result[part] = part_e2e(workdir, env)
        elif part == "accuracy":
            result[part] = part_accuracy(workdir, args.people, args.probes, args.strangers)
        else:
            result[part] = part_gallery(workdir, args.gallery, max(args.repeats, 20))
        result[part]["part_seconds"] = round(time.perf_counter() - t0, 1)
        print(json.dumps({part: result[part]}, default=str), flush=True)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
