from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.services import api_key_revoke
from accounts.tenancy import tenant_scope
from tests.factories import MembershipFactory


@pytest.mark.django_db
def test_token_login_and_use(tenant_a) -> None:
    client = APIClient()
    username = tenant_a.user(Role.VIEWER).username
    wrong = client.post(reverse("auth-token"), {"username": username, "password": "nope"})
    assert wrong.status_code == 400 and "token" not in wrong.json()
    response = client.post(
        reverse("auth-token"), {"username": username, "password": "pass-word-123"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(reverse("me")).json()
    assert me["username"] == username
    assert me["institution"]["slug"] == tenant_a.institution.slug
    assert me["role"] == Role.VIEWER


@pytest.mark.django_db
def test_unauthenticated_requests_are_refused(tenant_a) -> None:
    assert APIClient().get(reverse("person-list")).status_code == 401
    bad_key = APIClient()
    bad_key.credentials(HTTP_AUTHORIZATION="Api-Key deadbeef.not-a-real-key")
    assert bad_key.get(reverse("person-list")).status_code == 401


@pytest.mark.django_db
def test_a_member_of_two_institutions_picks_one_with_the_header(
    tenant_a,
    tenant_b,
    client_for,
) -> None:
    user = tenant_a.user(Role.REGISTRAR)
    MembershipFactory(institution=tenant_b.institution, user=user, role=Role.VIEWER)
    in_b = client_for(user, tenant_b.institution)
    people = in_b.get(reverse("person-list")).json()["results"]
    assert {p["external_id"] for p in people} == {p.external_id for p in tenant_b.people}
    assert in_b.get(reverse("me")).json()["role"] == Role.VIEWER
    # the same user is a viewer in B: no writes there
    payload = {"external_id": "Z", "first_name": "Z", "last_name": "Z", "kind": "employee"}
    assert in_b.post(reverse("person-list"), payload, format="json").status_code == 403
    in_a = client_for(user, tenant_a.institution)
    assert in_a.post(reverse("person-list"), payload, format="json").status_code == 201


@pytest.mark.django_db
def test_api_keys_are_bound_to_an_institution_and_a_role(
    tenant_a,
    key_client_for,
) -> None:
    reader = key_client_for(tenant_a.institution, Role.VIEWER)
    assert reader.get(reverse("person-list")).json()["count"] == len(tenant_a.people)
    payload = {"external_id": "K", "first_name": "K", "last_name": "K", "kind": "student"}
    assert reader.post(reverse("person-list"), payload, format="json").status_code == 403
    writer = key_client_for(tenant_a.institution, Role.REGISTRAR)
    assert writer.post(reverse("person-list"), payload, format="json").status_code == 201


@pytest.mark.django_db
def test_created_key_is_shown_once_and_revocation_locks_it_out(
    tenant_a,
    client_for,
) -> None:
    admin = client_for(tenant_a.user(Role.ADMIN))
    created = admin.post(reverse("api-key-list"), {"name": "door 1", "role": "viewer"}).json()
    raw_key = created["key"]
    listed = admin.get(reverse("api-key-list")).json()["results"]
    assert all("key" not in item for item in listed)
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert device.get(reverse("unit-list")).status_code == 200
    assert admin.delete(reverse("api-key-detail", args=[created["id"]])).status_code == 204
    refused = device.get(reverse("unit-list"))
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


@pytest.mark.django_db
def test_revoking_twice_keeps_the_first_time(tenant_a) -> None:
    from accounts.services import api_key_create

    key, _ = api_key_create(institution=tenant_a.institution, name="x", role=Role.VIEWER)
    first = api_key_revoke(api_key=key).revoked_at
    with tenant_scope(tenant_a.institution):
        assert api_key_revoke(api_key=key).revoked_at == first


@pytest.mark.django_db
def test_schema_and_interactive_docs_work_offline(client) -> None:
    schema = client.get(reverse("schema"), {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/people/" in paths and "/api/v1/people/import/" in paths
    assert "/api/v1/auth/token/" in paths
    docs = client.get(reverse("api-docs"))
    html = docs.content.decode()
    assert docs.status_code == 200 and "swagger-ui" in html
    assert "cdn" not in html.lower() and "https://" not in html


@pytest.mark.django_db
def test_password_guessing_on_the_token_endpoint_is_throttled(tenant_a, settings) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.SIGN_IN_RATE_PER_ADDRESS = "3/min"
    client = APIClient()
    username = tenant_a.user(Role.VIEWER).username
    codes = [
        client.post(
            reverse("auth-token"), {"username": username, "password": f"guess{i}"}
        ).status_code
        for i in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]
    cache.clear()


@pytest.mark.django_db
def test_superuser_reaches_any_institution_explicitly(tenant_a, tenant_b, client_for) -> None:
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True)
    in_b = client_for(root, tenant_b.institution)
    people = in_b.get(reverse("person-list")).json()["results"]
    assert {p["external_id"] for p in people} == {p.external_id for p in tenant_b.people}
    assert in_b.get(reverse("me")).json()["role"] == Role.ADMIN
