"""The person admin writes through accounts.services; consent only through its own service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.actors import Actor
from accounts.models import Person
from accounts.roles import Role
from accounts.tenancy import tenant_scope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_consent_yet(tenant_a) -> None:
    """The factory's people have consent; these tests start from none."""
    with tenant_scope(tenant_a.institution):
        Person.objects.update(consent_given=False, consent_recorded_at=None)
    for person in tenant_a.people:
        person.refresh_from_db()


@pytest.fixture
def browser(tenant_a) -> Client:
    client = Client()
    client.force_login(tenant_a.user(Role.REGISTRAR))
    return client


def _form(person: Person, **changes) -> dict:
    data = {
        "external_id": person.external_id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "kind": person.kind,
        "email": person.email,
        "units": [unit.pk for unit in person.units.all()],
    }
    if person.is_active:
        data["is_active"] = "on"
    if person.consent_given:
        data["consent_given"] = "on"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def _consent_log(person: Person) -> list[tuple[str, str]]:
    return [
        (entry.user.username, entry.change_message)
        for entry in LogEntry.objects.filter(object_id=str(person.pk)).order_by("action_time")
        if entry.change_message.startswith("Consent ")
    ]


def test_consent_in_the_admin_goes_through_the_service(browser, tenant_a) -> None:
    person, twin = tenant_a.people[0], tenant_a.people[1]
    url = reverse("admin:accounts_person_change", args=[person.pk])
    with tenant_scope(tenant_a.institution):
        form = _form(person, consent_given="on", consent_note="signed form")
    # A backdated consent time in the post is ignored: the service sets it.
    form["consent_recorded_at_0"], form["consent_recorded_at_1"] = "2020-01-01", "09:00"
    before = timezone.now()
    assert browser.post(url, form).status_code == 302
    person.refresh_from_db()
    assert person.consent_given and person.consent_recorded_at >= before
    registrar = Actor(
        institution=tenant_a.institution,
        role=Role.REGISTRAR,
        user=tenant_a.user(Role.REGISTRAR),
    )
    with tenant_scope(tenant_a.institution):
        services.person_consent_record(person=twin, given=True, actor=registrar, note="signed form")
    assert (
        _consent_log(person)
        == _consent_log(twin)
        == [("school-a-registrar", "Consent recorded by school-a-registrar: signed form")]
    )

    with tenant_scope(tenant_a.institution):
        form = _form(person, consent_given=None, consent_note="asked to stop")
    form.pop("consent_given", None)
    assert browser.post(url, form).status_code == 302
    person.refresh_from_db()
    assert not person.consent_given and person.consent_recorded_at is None
    assert _consent_log(person)[-1] == (
        "school-a-registrar",
        "Consent withdrawn by school-a-registrar: asked to stop",
    )


def test_other_changes_leave_consent_alone_and_units_are_written(browser, tenant_a) -> None:
    person = tenant_a.people[0]
    url = reverse("admin:accounts_person_change", args=[person.pk])
    with tenant_scope(tenant_a.institution):
        form = _form(person, first_name="Renamed", units=[tenant_a.other_unit.pk])
    assert browser.post(url, form).status_code == 302
    person.refresh_from_db()
    assert person.first_name == "Renamed" and not person.consent_given
    with tenant_scope(tenant_a.institution):
        assert list(person.units.all()) == [tenant_a.other_unit]
    assert _consent_log(person) == []


def test_a_person_added_with_consent_is_recorded_by_the_service(browser, tenant_a) -> None:
    response = browser.post(
        reverse("admin:accounts_person_add"),
        {
            "external_id": "NEW-1",
            "first_name": "Nia",
            "last_name": "New",
            "kind": "student",
            "is_active": "on",
            "consent_given": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_scope(tenant_a.institution):
        person = Person.objects.get(external_id="NEW-1")
    assert person.consent_given and person.consent_recorded_at is not None
    assert _consent_log(person) == [
        ("school-a-registrar", "Consent recorded by school-a-registrar.")
    ]


def test_the_consent_service_refuses_a_future_date_and_ignores_no_change(tenant_a) -> None:
    person = tenant_a.people[0]
    with tenant_scope(tenant_a.institution):
        with pytest.raises(Exception, match="future"):
            services.person_consent_record(
                person=person,
                given=True,
                actor=None,
                recorded_at=timezone.now() + timedelta(days=1),
            )
        services.person_consent_record(person=person, given=False, actor=None)
    person.refresh_from_db()
    assert not person.consent_given and person.consent_recorded_at is None
