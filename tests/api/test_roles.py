"""What each role may do through the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role

NEW_PERSON = {"external_id": "N-1", "first_name": "New", "last_name": "Kid", "kind": "student"}


@pytest.mark.parametrize(
    ("role", "can_write_people", "can_manage_members", "can_change_settings"),
    [
        (Role.VIEWER, False, False, False),
        (Role.INSTRUCTOR, False, False, False),
        (Role.REGISTRAR, True, False, False),
        (Role.ADMIN, True, True, True),
    ],
)
@pytest.mark.django_db
def test_role_matrix(
    tenant_a,
    client_for,
    role,
    can_write_people,
    can_manage_members,
    can_change_settings,
) -> None:
    client = client_for(tenant_a.user(role))
    assert client.get(reverse("person-list")).status_code == 200
    created = client.post(reverse("person-list"), NEW_PERSON, format="json")
    assert created.status_code == (201 if can_write_people else 403)
    member = client.post(
        reverse("member-list"), {"username": "fresh-member", "role": "viewer"}, format="json"
    )
    assert member.status_code == (201 if can_manage_members else 403)
    settings = client.patch(
        reverse("current-institution"), {"raw_video_retention_days": 7}, format="json"
    )
    assert settings.status_code == (200 if can_change_settings else 403)
    tenant_a.institution.refresh_from_db()
    assert (tenant_a.institution.raw_video_retention_days == 7) == can_change_settings


@pytest.mark.django_db
def test_instructor_sees_only_people_and_units_they_teach(tenant_a, client_for) -> None:
    client = client_for(tenant_a.user(Role.INSTRUCTOR))
    people = client.get(reverse("person-list")).json()["results"]
    in_unit = {p.external_id for p in tenant_a.people[:3]}
    assert {p["external_id"] for p in people} == in_unit
    units = client.get(reverse("unit-list")).json()["results"]
    assert [u["code"] for u in units] == [tenant_a.unit.code]
    outsider = tenant_a.people[3]
    assert client.get(reverse("person-detail", args=[outsider.pk])).status_code == 404


@pytest.mark.django_db
def test_validation_errors_are_clear(tenant_a, client_for) -> None:
    client = client_for(tenant_a.user(Role.ADMIN))
    duplicate = {**NEW_PERSON, "external_id": tenant_a.people[0].external_id}
    response = client.post(reverse("person-list"), duplicate, format="json")
    assert response.status_code == 400 and "external_id" in str(response.json()).lower()
    unknown_role = client.post(
        reverse("member-list"), {"username": "someone", "role": "overlord"}, format="json"
    )
    assert unknown_role.status_code == 400 and "role" in unknown_role.json()
    bad_tz = client.patch(reverse("current-institution"), {"time_zone": "Mars/Olympus"})
    assert bad_tz.status_code == 400 and "time_zone" in bad_tz.json()
    negative = client.patch(reverse("current-institution"), {"raw_video_retention_days": -1})
    assert negative.status_code == 400 and "raw_video_retention_days" in negative.json()
    tenant_a.institution.refresh_from_db()
    assert tenant_a.institution.raw_video_retention_days == 30


@pytest.mark.django_db
def test_the_last_administrator_cannot_be_removed(tenant_a, client_for) -> None:
    client = client_for(tenant_a.user(Role.ADMIN))
    members = client.get(reverse("member-list"), {"role": "admin"}).json()["results"]
    assert len(members) == 1
    url = reverse("member-detail", args=[members[0]["id"]])
    assert client.delete(url).status_code == 400
    assert client.patch(url, {"role": "viewer"}, format="json").status_code == 400


@pytest.mark.django_db
def test_search_filter_and_pagination(tenant_a, client_for) -> None:
    client = client_for(tenant_a.user(Role.VIEWER))
    target = tenant_a.people[0]
    found = client.get(reverse("person-list"), {"search": target.external_id}).json()
    assert [p["id"] for p in found["results"]] == [target.pk]
    by_unit = client.get(reverse("person-list"), {"unit": tenant_a.other_unit.pk}).json()
    assert by_unit["count"] == 1
    page = client.get(reverse("person-list"), {"page_size": 2}).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]
