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


if __name__ == "__main__":
    import django

    django.setup()
    setup(sys.argv[1], sys.argv[2])
