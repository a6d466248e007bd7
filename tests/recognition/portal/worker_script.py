"""Run in a subprocess against the worker test's own database (see test_worker.py)."""

from __future__ import annotations

import sys
from pathlib import Path


def setup(enrol_video: str, probe_video: str) -> None:
    """An institution with an entry camera and one person enrolled from a video (processed
    here, synchronously); then the probe video uploaded for identification (queued)."""
    from django_q.models import OrmQ

    from accounts.models import Institution, Person
    from accounts.services import person_consent_record
    from accounts.tenancy import tenant_scope
    from attendance.models import Camera
    from recognition import services

    institution = Institution.objects.create(name="Worker School", slug="worker", kind="school")
    with tenant_scope(institution):
        camera = Camera.objects.create(institution=institution, name="Door", role="entry")
        person = Person.objects.create(
            institution=institution,
            external_id="W1",
            first_name="Walk",
            last_name="Er",
            kind="student",
        )
        person_consent_record(person=person, given=True, actor=None)
        enrol = services.sample_create(
            institution=institution,
            actor=None,
            content=Path(enrol_video).read_bytes(),
            filename="enrol.avi",
            purpose="enrol",
            person=person,
        ).sample
        services.sample_process(sample_id=enrol.pk)
        enrol.refresh_from_db()
        assert enrol.status == "done", enrol.error
        OrmQ.objects.all().delete()  # the enrolment is done; only the probe goes to the worker
        probe = services.sample_create(
            institution=institution,
            actor=None,
            content=Path(probe_video).read_bytes(),
            filename="probe.avi",
            purpose="identify",
            camera=camera,
        ).sample
    print(f"PROBE={probe.pk}")


def setup_e2e(folder: str) -> None:
    """Five people of a unit with a session open now; their enrolment walks uploaded (queued
    for the worker). Probe files are written to ``folder``."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Institution, Person, Unit
    from accounts.services import person_consent_record
    from accounts.tenancy import tenant_scope
    from attendance import services as attendance
    from attendance.models import Camera
    from recognition import services
    from tests.recognition.portal.conftest import walk_bytes

    institution = Institution.objects.create(name="E2E School", slug="e2e", kind="school")
    now = timezone.now()
    with tenant_scope(institution):
        unit = Unit.objects.create(institution=institution, code="U1", name="Class")
        camera = Camera.objects.create(institution=institution, name="Door", role="entry")
        attendance.session_create(
            institution=institution,
            unit=unit,
            title="Maths",
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(minutes=55),
            cameras=[camera],
        )
        for i in range(5):
            person = Person.objects.create(
                institution=institution,
                external_id=f"E{i}",
                first_name="E",
                last_name=str(i),
                kind="student",
            )
            person.units.add(unit)
            person_consent_record(person=person, given=True, actor=None)
            for w in (1, 2):
                services.sample_create(
                    institution=institution,
                    actor=None,
                    content=walk_bytes(i, w),
                    filename=f"enrol-{i}-{w}.npz",
                    purpose="enrol",
                    person=person,
                )
    for name, (subject, seed) in {"known1": (1, 7), "known3": (3, 7), "stranger": (40, 7)}.items():
        Path(folder, f"{name}.npz").write_bytes(walk_bytes(subject, seed))
    print(f"CAMERA={camera.pk}")


def identify(folder: str, camera_id: str) -> None:
    """Upload the probe files for identification (queued for the worker)."""
    from accounts.models import Institution
    from accounts.tenancy import tenant_scope
    from attendance.models import Camera
    from recognition import services

    institution = Institution.objects.get(slug="e2e")
    with tenant_scope(institution):
        camera = Camera.objects.get(pk=int(camera_id))
        for path in sorted(Path(folder).glob("*.npz")):
            sample = services.sample_create(
                institution=institution,
                actor=None,
                content=path.read_bytes(),
                filename=path.name,
                purpose="identify",
                camera=camera,
            ).sample
            print(f"{path.stem}={sample.pk}")


def review_unknown(recognition_id: str, person_external_id: str) -> None:
    """A registrar names who walked in a recognition."""
    from accounts.actors import Actor
    from accounts.models import Institution, Person, User
    from accounts.tenancy import tenant_scope
    from recognition import services
    from recognition.models import Recognition

    institution = Institution.objects.get(slug="e2e")
    user = User.objects.create_user(username="registrar-e2e")
    with tenant_scope(institution):
        actor = Actor(institution=institution, role="registrar", user=user)
        services.recognition_review(
            recognition=Recognition.objects.get(pk=int(recognition_id)),
            actor=actor,
            action="person",
            person=Person.objects.get(external_id=person_external_id),
            note="seen at the door",
        )


if __name__ == "__main__":
    import django

    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    django.setup()
    globals()[sys.argv[1]](*sys.argv[2:])
