"""Attendance pages: the sessions around today and a roster with reasons, per role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance import services
from tests.attendance.conftest import session_with_arrival

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_session(tenant_a):
    """Chemistry three hours ago for an hour, person 0 in after 9 minutes, finalised."""
    return session_with_arrival(
        tenant_a,
        started_ago=timedelta(hours=3),
        length=timedelta(hours=1),
        arrived_after=timedelta(minutes=9),
        finalise=True,
    )


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_instructor_sees_the_week_and_a_roster_with_reasons(tenant_a, today_session) -> None:
    client = browser(tenant_a.user(Role.INSTRUCTOR))
    listing = client.get(reverse("attendance-sessions"))
    assert listing.status_code == 200
    assert "Chemistry" in listing.content.decode()
    roster = client.get(reverse("attendance-session", args=[today_session.pk]))
    text = roster.content.decode()
    assert roster.status_code == 200
    assert "grace 5 min: late" in text
    assert "absent" in text
    download = client.get(
        reverse("attendance-report-roster"), {"session": today_session.pk, "export": "csv"}
    )
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")


def test_other_units_sessions_are_not_found(tenant_a, tenant_b, today_session) -> None:
    with tenant_scope(tenant_a.institution):
        services.session_update(session=today_session, title="Chemistry (moved)")
    other = browser(tenant_b.user(Role.ADMIN))
    assert other.get(reverse("attendance-session", args=[today_session.pk])).status_code == 404
    assert "Chemistry" not in other.get(reverse("attendance-sessions")).content.decode()


def test_pages_need_a_sign_in(today_session) -> None:
    response = Client().get(reverse("attendance-sessions"))
    assert response.status_code == 302 and "/login/" in response["Location"]
