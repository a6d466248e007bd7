"""Membership and invitations across tenants (issue 24, F1): what another institution can do to
your users, and what cannot change without you."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from accounts.roles import Role
from accounts.tenancy import ALL_TENANTS, tenant_scope
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _slugs(user) -> set[str]:
    return set(Membership.unscoped.filter(user=user).values_list("institution__slug", flat=True))


def test_inviting_every_user_of_another_institution_changes_and_reveals_nothing(
    tenant_a, tenant_b, client_for
) -> None:
    admin_a = client_for(tenant_a.user(Role.ADMIN))
    for role, user in tenant_b.users.items():
        response = admin_a.post(
            reverse("member-list"), {"username": user.username, "role": Role.ADMIN}, format="json"
        )
        assert response.status_code == 202, (role, response.content)
        assert user.email not in response.content.decode()
        assert _slugs(user) == {tenant_b.institution.slug}
        own = client_for(user).get(reverse("me")).json()
        assert own["institution"]["slug"] == tenant_b.institution.slug
    members_a = admin_a.get(reverse("member-list"), {"page_size": 100}).json()["results"]
    assert not {m["user"]["username"] for m in members_a} & {
        u.username for u in tenant_b.users.values()
    }


def test_the_answer_is_the_same_for_a_user_with_or_without_other_memberships(
    tenant_a, tenant_b, client_for
) -> None:
    admin_a = client_for(tenant_a.user(Role.ADMIN))
    loner = UserFactory(username="loner")  # belongs to nothing
    answers = [
        admin_a.post(reverse("member-list"), {"username": name, "role": "viewer"}, format="json")
        for name in (loner.username, tenant_b.user(Role.VIEWER).username)
    ]
    assert [a.status_code for a in answers] == [202, 202]
    first, second = (sorted(a.json()) for a in answers)
    assert first == second


def test_only_administrators_invite(tenant_a, tenant_b, client_for) -> None:
    for role in (Role.VIEWER, Role.INSTRUCTOR, Role.REGISTRAR):
        client = client_for(tenant_a.user(role))
        response = client.post(
            reverse("member-list"),
            {"username": tenant_b.user(Role.VIEWER).username, "role": "viewer"},
            format="json",
        )
        assert response.status_code == 403, role
        assert client.get(reverse("invitation-list")).status_code == 403


def test_accepting_gives_exactly_the_offered_role(tenant_a, tenant_b, client_for) -> None:
    invitee = tenant_b.user(Role.VIEWER)
    client_for(tenant_a.user(Role.ADMIN)).post(
        reverse("member-list"), {"username": invitee.username, "role": "viewer"}, format="json"
    )
    own = client_for(invitee)
    token = own.get(reverse("my-invitations")).json()[0]["token"]
    assert (
        own.post(reverse("my-invitation-accept", args=[token]), {"role": "admin"}).status_code
        == 200
    )
    assert Membership.unscoped.get(user=invitee, institution=tenant_a.institution).role == "viewer"
    in_a = client_for(invitee, tenant_a.institution)
    assert in_a.post(reverse("person-list"), {}, format="json").status_code == 403


def test_an_api_key_invites_but_never_accepts(tenant_a, tenant_b, key_client_for) -> None:
    key = key_client_for(tenant_a.institution, Role.ADMIN)
    invitee = tenant_b.user(Role.VIEWER)
    response = key.post(
        reverse("member-list"), {"username": invitee.username, "role": "viewer"}, format="json"
    )
    assert response.status_code == 202 and response.json()["invited_by"] is None
    assert key.get(reverse("my-invitations")).status_code == 403
    assert _slugs(invitee) == {tenant_b.institution.slug}


def test_using_another_institution_in_the_browser_does_not_move_the_token_default(
    tenant_a, tenant_b, client_for
) -> None:
    """The page switcher records 'last used'; the default (tokens without X-Institution) stays."""
    user = tenant_b.user(Role.REGISTRAR)
    with tenant_scope(ALL_TENANTS):
        Membership.objects.create(institution=tenant_a.institution, user=user, role="viewer")
    browser = Client()
    browser.force_login(user)
    browser.post(reverse("switch-institution"), {"institution": tenant_a.institution.pk})
    own = client_for(user).get(reverse("me")).json()
    assert own["institution"]["slug"] == tenant_b.institution.slug


def test_another_institution_cannot_revoke_or_read_your_invitations(
    tenant_a, tenant_b, client_for
) -> None:
    invitee = UserFactory()
    client_for(tenant_a.user(Role.ADMIN)).post(
        reverse("member-list"), {"username": invitee.username, "role": "viewer"}, format="json"
    )
    admin_b = client_for(tenant_b.user(Role.ADMIN))
    assert admin_b.get(reverse("invitation-list")).json()["results"] == []
    with tenant_scope(ALL_TENANTS):
        invitation = invitee.invitations.get()
    assert admin_b.delete(reverse("invitation-detail", args=[invitation.pk])).status_code == 404
    assert admin_b.post(reverse("my-invitation-accept", args=[invitation.token])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


@pytest.mark.parametrize("reference", ["²", "9" * 30, "nul\x00byte", "x" * 500, "", "  ", "école"])
def test_malformed_default_institution_is_404_never_500(tenant_a, client_for, reference):
    own = client_for(tenant_a.user(Role.VIEWER))
    response = own.put(reverse("my-default-institution"), {"institution": reference}, format="json")
    assert response.status_code in (400, 404), response.content


@pytest.mark.parametrize("token", ["bad%00token", "a" * 65, "..", "é"])
def test_malformed_invitation_tokens_are_not_found(tenant_a, client_for, token) -> None:
    expected = (404,)
    own = client_for(tenant_a.user(Role.VIEWER))
    assert own.post(f"/api/v1/me/invitations/{token}/accept/").status_code in expected
    page = Client()
    page.force_login(tenant_a.user(Role.VIEWER))
    answer = page.post(f"/invitations/{token}/answer/", {"answer": "accept"})
    assert answer.status_code in expected


def test_token_endpoint_survives_a_json_list(client_for, clean_cache) -> None:
    from rest_framework.test import APIClient

    response = APIClient().post(reverse("auth-token"), [1, 2], format="json")
    assert response.status_code == 400
