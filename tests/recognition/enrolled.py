"""Synthetic people enrolled through the services: the set-up shared by the recognition tests
(services, pages, browser). Each person i walks as synthetic subject i (tests.recognition.portal
.conftest.walk_bytes), so a probe of subject i should be recognised as people[i]."""

from __future__ import annotations

from accounts.actors import Actor
from accounts.models import Institution, Person
from accounts.roles import Role
from accounts.services import person_consent_record
from accounts.tenancy import tenant_scope
from recognition import services
from recognition.models import Recognition
from tests.factories import CameraFactory, PersonFactory
from tests.recognition.portal.conftest import walk_bytes


def enrol_walks(
    institution: Institution,
    actor: Actor | None,
    people: list[Person],
    walks: tuple[int, ...] = (1, 2),
) -> None:
    """Upload walks ``walks`` of synthetic subject i as enrolment samples of people[i].

    The worker runs when each upload commits (sync cluster): call inside a transaction test or
    under django_capture_on_commit_callbacks(execute=True) (fixture uploads_run_on_commit)."""
    for index, person in enumerate(people):
        for walk in walks:
            made = services.sample_create(
                institution=institution,
                actor=actor,
                content=walk_bytes(index, walk),
                filename=f"enrol-{index}-{walk}.npz",
                purpose="enrol",
                person=person,
            )
            assert made.sample.pk


def consenting_people(tenant, count: int = 6) -> list[Person]:
    """``count`` people of the tenant's unit with consent to gait processing recorded."""
    inst = tenant.institution
    people = [PersonFactory(institution=inst, units=[tenant.unit]) for _ in range(count)]
    for person in people:
        person_consent_record(person=person, given=True, actor=None)
    return people


def entry_camera(institution: Institution):
    return CameraFactory(institution=institution, name="Main door", role="entry")


def enrolled_site(tenant) -> tuple:
    """(entry camera, six consenting people of the tenant's unit each enrolled with walks 1 and
    2 of their synthetic subject) by the tenant's registrar; the worker runs as each upload
    commits (a transaction test, or under uploads_run_on_commit)."""
    inst = tenant.institution
    actor = Actor(institution=inst, role=Role.REGISTRAR, user=tenant.user(Role.REGISTRAR))
    with tenant_scope(inst):
        camera = entry_camera(inst)
        people = consenting_people(tenant)
        enrol_walks(inst, actor, people)
    return camera, people


def identify_walk(
    institution: Institution,
    actor: Actor | None,
    camera,
    subject: int,
    seed: int,
    *,
    view: float = 90,
    fmt: str = "npz",
) -> Recognition:
    """Upload walk ``seed`` of synthetic subject ``subject`` to identify at ``camera`` (None: no
    camera) and return its recognition; the worker runs as the upload commits (as enrol_walks).
    Another ``fmt`` gives the same walk in new bytes (the same bytes are the same sample)."""
    sample = services.sample_create(
        institution=institution,
        actor=actor,
        content=walk_bytes(subject, seed, view=view, fmt=fmt),
        filename=f"probe-{subject}-{seed}.{fmt}",
        purpose="identify",
        camera=camera,
    ).sample
    sample.refresh_from_db()
    assert sample.status == "done", sample.error
    return Recognition.objects.get(sample=sample)
