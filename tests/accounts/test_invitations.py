"""Membership is consent (issue 24, F1).

An administrator of institution A cannot pull a user of institution B into A: adding an existing
user makes an invitation that only that user accepts or declines, nothing of them is revealed,
and the institution their token acts for without X-Institution never changes because somebody
else acted. Runs through the real database (SQLite by default, PostgreSQL with DATABASE_URL,
where the original bug showed: a new membership's null last_used_at sorted first).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership
from accounts.roles import Role
from accounts.selectors import default_membership
from accounts.tenancy import ALL_TENANTS, tenant_scope
from tests.factories import MembershipFactory, UserFactory

NEW_PERSON = {"external_id": "B-NEW", "first_name": "Bea", "last_name": "New", "kind": "employee"}


@pytest.fixture
def b_user(tenant_b):
    """B's registrar, who has used their membership (as in the probe)."""
    user = tenant_b.user(Role.REGISTRAR)
    user.email = "private.address@company-b.example"
    user.first_name, user.last_name = "Priv", "Ate"
    user.save()
    services.membership_mark_used(membership=Membership.unscoped.get(user=user))
    return user


def _memberships(user) -> set[str]:
    return set(Membership.unscoped.filter(user=user).values_list("institution__slug", flat=True))


def _invite(client_for, tenant_a, b_user, role=Role.REGISTRAR):
    admin_a = client_for(tenant_a.user(Role.ADMIN))
    return admin_a.post(
        reverse("member-list"), {"username": b_user.username, "role": role}, format="json"
    )


@pytest.mark.django_db
def test_probe_request_makes_an_invitation_not_a_membership(
    tenant_a, tenant_b, b_user, client_for
) -> None:
    response = _invite(client_for, tenant_a, b_user)
    assert response.status_code == 202, response.content
    body = response.content.decode()
    for secret in (b_user.email, "Priv", "Ate", tenant_b.institution.name):
        assert secret not in body
    assert set(response.json()) == {
        *("id", "username", "role", "status", "invited_by", "created_at", "expires_at"),
        *("accepted_at", "declined_at", "revoked_at"),
    }
    assert response.json()["status"] == "pending"
    assert "user" not in response.json() and "email" not in response.json()
    assert _memberships(b_user) == {tenant_b.institution.slug}
    with tenant_scope(ALL_TENANTS):
        invitation = Invitation.objects.get(invitee=b_user)
    assert invitation.institution == tenant_a.institution
    assert invitation.invited_by == tenant_a.user(Role.ADMIN)


@pytest.mark.django_db
def test_token_without_header_keeps_acting_for_the_users_own_institution(
    tenant_a, tenant_b, b_user, client_for
) -> None:
    _invite(client_for, tenant_a, b_user)
    own = client_for(b_user)  # no X-Institution
    assert own.get(reverse("me")).json()["institution"]["slug"] == tenant_b.institution.slug
    token = own.get(reverse("my-invitations")).json()[0]["token"]
    accepted = own.post(reverse("my-invitation-accept", args=[token]))
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["institution"] == tenant_a.institution.slug
    assert accepted.json()["is_default"] is False
    assert _memberships(b_user) == {tenant_a.institution.slug, tenant_b.institution.slug}
    # Still B without the header, even though A's membership is newer and never used.
    assert own.get(reverse("me")).json()["institution"]["slug"] == tenant_b.institution.slug
    created = own.post(reverse("person-list"), NEW_PERSON, format="json")
    assert created.status_code == 201
    with tenant_scope(ALL_TENANTS):
        assert tenant_b.institution.people.filter(external_id="B-NEW").exists()
        assert not tenant_a.institution.people.filter(external_id="B-NEW").exists()
    in_a = client_for(b_user, tenant_a.institution)
    assert in_a.get(reverse("me")).json()["role"] == Role.REGISTRAR


@pytest.mark.django_db
def test_declined_invitation_leaves_no_membership(tenant_a, b_user, client_for) -> None:
    _invite(client_for, tenant_a, b_user)
    own = client_for(b_user)
    token = own.get(reverse("my-invitations")).json()[0]["token"]
    declined = own.post(reverse("my-invitation-decline", args=[token]))
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert tenant_a.institution.slug not in _memberships(b_user)
    assert own.get(reverse("my-invitations")).json() == []
    again = own.post(reverse("my-invitation-accept", args=[token]))
    assert again.status_code == 400 and "invitation" in again.json()
    sent = client_for(tenant_a.user(Role.ADMIN)).get(reverse("invitation-list")).json()
    assert [i["status"] for i in sent["results"]] == ["declined"]


@pytest.mark.django_db
def test_only_the_invitee_can_answer(tenant_a, tenant_b, b_user, client_for) -> None:
    _invite(client_for, tenant_a, b_user)
    with tenant_scope(ALL_TENANTS):
        token = Invitation.objects.get(invitee=b_user).token
    for intruder in (tenant_a.user(Role.ADMIN), tenant_b.user(Role.ADMIN)):
        client = client_for(intruder)
        assert client.get(reverse("my-invitations")).json() == []
        assert client.post(reverse("my-invitation-accept", args=[token])).status_code == 404
    assert tenant_a.institution.slug not in _memberships(b_user)


@pytest.mark.django_db
def test_revoked_or_expired_invitations_cannot_be_accepted(tenant_a, b_user, client_for) -> None:
    _invite(client_for, tenant_a, b_user)
    admin_a = client_for(tenant_a.user(Role.ADMIN))
    invitation_id = admin_a.get(reverse("invitation-list")).json()["results"][0]["id"]
    assert admin_a.delete(reverse("invitation-detail", args=[invitation_id])).status_code == 204
    own = client_for(b_user)
    with tenant_scope(ALL_TENANTS):
        token = Invitation.objects.get(pk=invitation_id).token
    assert own.post(reverse("my-invitation-accept", args=[token])).status_code == 400
    # A new invitation, then past its expiry.
    _invite(client_for, tenant_a, b_user)
    with tenant_scope(ALL_TENANTS):
        fresh = Invitation.objects.get(invitee=b_user, revoked_at__isnull=True)
        Invitation.objects.filter(pk=fresh.pk).update(expires_at=timezone.now() - timedelta(1))
    assert own.get(reverse("my-invitations")).json() == []
    assert own.post(reverse("my-invitation-accept", args=[fresh.token])).status_code == 400
    assert tenant_a.institution.slug not in _memberships(b_user)


@pytest.mark.django_db
def test_inviting_twice_renews_one_invitation(tenant_a, b_user, client_for) -> None:
    _invite(client_for, tenant_a, b_user, role=Role.VIEWER)
    _invite(client_for, tenant_a, b_user, role=Role.INSTRUCTOR)
    with tenant_scope(ALL_TENANTS):
        assert list(Invitation.objects.filter(invitee=b_user).values_list("role", flat=True)) == [
            Role.INSTRUCTOR
        ]


@pytest.mark.django_db
def test_invitations_are_audited(tenant_a, b_user, client_for) -> None:
    _invite(client_for, tenant_a, b_user)
    own = client_for(b_user)
    token = own.get(reverse("my-invitations")).json()[0]["token"]
    own.post(reverse("my-invitation-accept", args=[token]))
    with tenant_scope(ALL_TENANTS):
        invitation = Invitation.objects.get(invitee=b_user)
    log = LogEntry.objects.filter(object_id=str(invitation.pk)).order_by("action_time")
    assert [(e.user_id, e.get_change_message().split(" ")[0]) for e in log] == [
        (tenant_a.user(Role.ADMIN).pk, "Invited"),
        (b_user.pk, "Accepted"),
    ]


@pytest.mark.django_db
def test_a_brand_new_username_is_still_created_inside_the_institution(tenant_a, client_for) -> None:
    admin_a = client_for(tenant_a.user(Role.ADMIN))
    response = admin_a.post(
        reverse("member-list"),
        {"username": "fresh-hire", "role": "viewer", "email": "fresh@a.example"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["user"]["username"] == "fresh-hire"
    membership = Membership.unscoped.get(user__username="fresh-hire")
    assert membership.institution == tenant_a.institution and membership.is_default


@pytest.mark.django_db
def test_an_existing_member_is_refused_without_details(tenant_a, client_for) -> None:
    admin_a = client_for(tenant_a.user(Role.ADMIN))
    viewer = tenant_a.user(Role.VIEWER)
    response = admin_a.post(
        reverse("member-list"), {"username": viewer.username, "role": "admin"}, format="json"
    )
    assert response.status_code == 400 and "username" in response.json()


@pytest.mark.django_db
def test_superuser_adds_directly_without_moving_the_default(tenant_a, tenant_b, b_user) -> None:
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=root).key}",
        HTTP_X_INSTITUTION=tenant_a.institution.slug,
    )
    response = client.post(
        reverse("member-list"), {"username": b_user.username, "role": "viewer"}, format="json"
    )
    assert response.status_code == 201
    assert _memberships(b_user) == {tenant_a.institution.slug, tenant_b.institution.slug}
    assert default_membership(b_user).institution == tenant_b.institution
    assert not Membership.unscoped.get(user=b_user, institution=tenant_a.institution).is_default


@pytest.mark.django_db
def test_the_user_chooses_their_default(tenant_a, tenant_b, client_for) -> None:
    user = UserFactory()
    services.membership_create(institution=tenant_b.institution, user=user, role=Role.VIEWER)
    services.membership_create(institution=tenant_a.institution, user=user, role=Role.VIEWER)
    own = client_for(user)
    assert own.get(reverse("me")).json()["institution"]["slug"] == tenant_b.institution.slug
    chosen = own.put(
        reverse("my-default-institution"), {"institution": tenant_a.institution.slug}, format="json"
    )
    assert chosen.status_code == 200 and chosen.json()["is_default"] is True
    assert own.get(reverse("me")).json()["institution"]["slug"] == tenant_a.institution.slug
    stranger = own.put(reverse("my-default-institution"), {"institution": "nowhere"})
    assert stranger.status_code == 404


@pytest.mark.django_db
def test_legacy_memberships_without_a_default_resolve_to_the_oldest(tenant_a, tenant_b) -> None:
    """Rows made before is_default existed (or by factories): the oldest, never the latest used."""
    user = UserFactory()
    first = MembershipFactory(institution=tenant_b.institution, user=user)
    second = MembershipFactory(institution=tenant_a.institution, user=user)
    services.membership_mark_used(membership=second)
    assert default_membership(user) == first


@pytest.mark.django_db
def test_api_keys_have_no_invitations(tenant_a, key_client_for) -> None:
    client = key_client_for(tenant_a.institution, Role.ADMIN)
    assert client.get(reverse("my-invitations")).status_code == 403


@pytest.mark.django_db
def test_admin_site_cannot_add_existing_users_for_institution_admins(
    tenant_a, tenant_b, b_user
) -> None:
    client = Client()
    client.force_login(tenant_a.user(Role.ADMIN))
    assert client.get(reverse("admin:accounts_membership_add")).status_code == 403
    posted = client.post(
        reverse("admin:accounts_membership_add"), {"user": b_user.pk, "role": "registrar"}
    )
    assert posted.status_code == 403
    assert _memberships(b_user) == {tenant_b.institution.slug}
    # Changing a member's role still works, through the service.
    viewer = Membership.unscoped.get(user=tenant_a.user(Role.VIEWER))
    changed = client.post(
        reverse("admin:accounts_membership_change", args=[viewer.pk]), {"role": "instructor"}
    )
    assert changed.status_code == 302
    viewer.refresh_from_db()
    assert viewer.role == Role.INSTRUCTOR
    sent = client.get(reverse("admin:accounts_invitation_changelist"))
    assert sent.status_code == 200


@pytest.mark.django_db
def test_own_account_endpoints_render_in_the_browsable_api(
    tenant_a, b_user, client_for, key_client_for
) -> None:
    _invite(client_for, tenant_a, b_user)
    own = client_for(b_user)
    assert own.get(reverse("my-invitations"), HTTP_ACCEPT="text/html").status_code == 200
    token = own.get(reverse("my-invitations")).json()[0]["token"]
    accept = reverse("my-invitation-accept", args=[token])
    assert own.get(accept, HTTP_ACCEPT="text/html").status_code == 405
    key = key_client_for(tenant_a.institution, Role.ADMIN)
    assert key.get(reverse("my-invitations"), HTTP_ACCEPT="text/html").status_code == 403


@pytest.mark.django_db
def test_the_invitations_page_answers_only_for_the_invitee(tenant_a, b_user, client_for) -> None:
    _invite(client_for, tenant_a, b_user)
    with tenant_scope(ALL_TENANTS):
        token = Invitation.objects.get(invitee=b_user).token
    intruder = Client()
    intruder.force_login(tenant_a.user(Role.ADMIN))
    answer = reverse("invitation-answer", args=[token])
    assert intruder.post(answer, {"answer": "accept"}).status_code == 404
    invitee = Client()
    invitee.force_login(b_user)
    assert tenant_a.institution.name in invitee.get(reverse("my-invitations-page")).content.decode()
    assert invitee.post(answer, {"answer": "accept"}).status_code == 302
    assert tenant_a.institution.slug in _memberships(b_user)


@pytest.mark.django_db
def test_superuser_adds_an_existing_user_in_the_admin(tenant_a, tenant_b, b_user) -> None:
    root = UserFactory(username="root-admin", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_membership_add"),
        {"institution": tenant_a.institution.pk, "user": b_user.pk, "role": "viewer"},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert _memberships(b_user) == {tenant_a.institution.slug, tenant_b.institution.slug}
    assert default_membership(b_user).institution == tenant_b.institution


@pytest.mark.django_db
def test_the_migration_keeps_each_user_where_they_landed(tenant_a, tenant_b) -> None:
    """Existing rows get is_default on the most recently used membership, unused ones last
    (PostgreSQL sorts nulls first in a descending order: the original bug)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "accounts.migrations.0002_invitations_and_default_membership"
    )
    user = UserFactory()
    used = MembershipFactory(institution=tenant_b.institution, user=user)
    MembershipFactory(institution=tenant_a.institution, user=user)  # never used, newer
    services.membership_mark_used(membership=used)
    Membership.unscoped.filter(user__in=[user]).update(is_default=False)
    Membership.unscoped.exclude(user=user).update(is_default=False)
    with tenant_scope(ALL_TENANTS):  # the real registry's manager is scoped; history's is not
        migration.mark_current_defaults(apps, None)
    assert list(Membership.unscoped.filter(user=user, is_default=True)) == [used]
