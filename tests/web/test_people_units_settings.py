"""People, units and settings pages: each write goes through the services, roles respected."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import APIKey, Membership, Person, Unit
from accounts.roles import Role
from accounts.tenancy import tenant_scope
from tests.factories import UserFactory
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_people_list_searches_and_filters(tenant_a) -> None:
    client = signed_in(tenant_a.user(Role.VIEWER))
    target = tenant_a.people[0]
    html = client.get(reverse("people"), {"q": target.external_id}).content.decode()
    assert target.last_name in html
    assert tenant_a.people[3].external_id not in html
    by_unit = client.get(reverse("people"), {"unit": tenant_a.other_unit.pk}).content.decode()
    assert tenant_a.people[3].external_id in by_unit
    assert target.external_id not in by_unit


def test_instructor_lists_only_their_units_people(tenant_a) -> None:
    html = signed_in(tenant_a.user(Role.INSTRUCTOR)).get(reverse("people")).content.decode()
    assert tenant_a.people[0].external_id in html
    assert tenant_a.people[3].external_id not in html


def test_registrar_adds_and_edits_a_person(tenant_a) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    response = client.post(
        reverse("person-new"),
        {
            "external_id": "S-900",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "kind": "student",
            "is_active": "on",
            "units": [tenant_a.unit.pk],
        },
        follow=True,
    )
    assert "Ada Lovelace added." in response.content.decode()
    with tenant_scope(tenant_a.institution):
        person = Person.objects.get(external_id="S-900")
        assert list(person.units.all()) == [tenant_a.unit]
    duplicate = client.post(
        reverse("person-new"),
        {"external_id": "S-900", "first_name": "B", "last_name": "C", "kind": "student"},
    )
    assert "already has external id" in duplicate.content.decode()
    client.post(
        reverse("person-edit", args=[person.pk]),
        {"external_id": "S-900", "first_name": "Ada", "last_name": "King", "kind": "student"},
    )
    person.refresh_from_db()
    assert person.last_name == "King" and not person.is_active


def test_consent_is_recorded_and_withdrawn_from_the_person_page(tenant_a) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    person = tenant_a.people[0]
    was = person.consent_given
    response = client.post(
        reverse("person-consent", args=[person.pk]),
        {"given": "no" if was else "yes", "note": "form 12"},
        follow=True,
    )
    assert "Consent" in response.content.decode()
    person.refresh_from_db()
    assert person.consent_given is (not was)


def test_viewer_may_not_add_people_or_units(tenant_a) -> None:
    client = signed_in(tenant_a.user(Role.VIEWER))
    assert client.get(reverse("person-new")).status_code == 403
    response = client.post(reverse("unit-new"), {"code": "X", "name": "X", "kind": "class"})
    assert response.status_code == 403
    assert "may not manage people and units" in response.content.decode()


def test_registrar_creates_and_edits_a_unit(tenant_a) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    instructor = tenant_a.user(Role.INSTRUCTOR)
    client.post(
        reverse("unit-new"),
        {"code": "BIO-1", "name": "Biology", "kind": "section", "instructors": [instructor.pk]},
    )
    with tenant_scope(tenant_a.institution):
        unit = Unit.objects.get(code="BIO-1")
    assert list(unit.instructors.all()) == [instructor]
    clash = client.post(
        reverse("unit-edit", args=[unit.pk]),
        {"code": tenant_a.unit.code, "name": "Biology", "kind": "section"},
    )
    assert clash.status_code == 200 and "already exists" in clash.content.decode()
    listing = client.get(reverse("units")).content.decode()
    assert "BIO-1" in listing and "Course section" in listing


def test_settings_are_for_administrators(tenant_a) -> None:
    for role in (Role.REGISTRAR, Role.INSTRUCTOR, Role.VIEWER):
        assert (
            signed_in(tenant_a.user(role)).get(reverse("institution-settings")).status_code == 403
        )
    client = signed_in(tenant_a.user(Role.ADMIN))
    response = client.post(
        reverse("institution-settings"),
        {
            "action": "institution",
            "name": "School A",
            "time_zone": "Mars/Olympus",
            "raw_video_retention_days": "10",
        },
    )
    assert "time_zone" in response.content.decode() or "time zone" in response.content.decode()
    client.post(
        reverse("institution-settings"),
        {
            "action": "institution",
            "name": "School A",
            "time_zone": "Europe/Paris",
            "raw_video_retention_days": "10",
        },
    )
    tenant_a.institution.refresh_from_db()
    assert tenant_a.institution.time_zone == "Europe/Paris"
    assert tenant_a.institution.raw_video_retention_days == 10


def test_admin_manages_members_and_api_keys(tenant_a) -> None:
    client = signed_in(tenant_a.user(Role.ADMIN))
    client.post(
        reverse("institution-settings"),
        {"action": "member-add", "username": "newbie", "role": "viewer"},
    )
    with tenant_scope(tenant_a.institution):
        membership = Membership.objects.get(user__username="newbie")
    client.post(
        reverse("institution-settings"),
        {"action": "member-role", "membership": membership.pk, "role": "instructor"},
    )
    membership.refresh_from_db()
    assert membership.role == Role.INSTRUCTOR
    # an existing account is invited, never pulled in (membership is consent)
    outsider = UserFactory(username="someone-else")
    invited = client.post(
        reverse("institution-settings"),
        {"action": "member-add", "username": outsider.username, "role": "viewer"},
        follow=True,
    )
    assert "already has an account: invited as Viewer" in invited.content.decode()
    with tenant_scope(tenant_a.institution):
        assert not Membership.objects.filter(user=outsider).exists()
    created = client.post(
        reverse("institution-settings"), {"action": "key-create", "name": "door", "role": "viewer"}
    ).content.decode()
    assert 'id="new-key"' in created
    with tenant_scope(tenant_a.institution):
        key = APIKey.objects.get(name="door")
    client.post(reverse("institution-settings"), {"action": "key-revoke", "key": key.pk})
    key.refresh_from_db()
    assert key.revoked_at is not None
