"""One definition of a session's counts: the sessions list, roster, dashboard and API agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.actors import Actor
from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance import reports, selectors, services
from attendance.models import Session, Status
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(tenant_a) -> Session:
    """A session under way: one person seen, two expected not seen yet, one inactive."""
    now = timezone.now()
    institution = tenant_a.institution
    PersonFactory(institution=institution, units=[tenant_a.unit], is_active=False)
    with tenant_scope(institution):
        session = services.session_create(
            institution=institution,
            unit=tenant_a.unit,
            title="Running",
            starts_at=now - timedelta(minutes=30),
            ends_at=now + timedelta(minutes=30),
        )
        report = services.events_ingest(
            institution=institution,
            rows=[
                {
                    "person": tenant_a.people[0].pk,
                    "occurred_at": now - timedelta(minutes=29),
                    "direction": "in",
                }
            ],
        )
        assert report.ok
    return session


def _everywhere(tenant, session: Session, client_for) -> dict[str, dict[str, int]]:
    """The counts of one session as each view shows them."""
    browser = Client()
    browser.force_login(tenant.user(Role.REGISTRAR))
    listed = browser.get(reverse("attendance-sessions")).context["sessions"]
    row = next(s for s in listed if s.pk == session.pk)
    page = browser.get(reverse("attendance-session", args=[session.pk])).context
    api = client_for(tenant.user(Role.REGISTRAR))
    detail = api.get(reverse("attendance-session-detail", args=[session.pk])).json()
    listed_api = api.get(reverse("attendance-session-list")).json()["results"]
    roster_api = api.get(reverse("attendance-report-roster"), {"session": session.pk}).json()
    dashboard = browser.get(reverse("dashboard")).context["attendance"]
    with tenant_scope(tenant.institution):
        roster = reports.session_roster(session=Session.objects.get(pk=session.pk))
    roster_rows = dict.fromkeys(Status.values, 0)
    for roster_row in roster.rows:
        roster_rows[roster_row["status"]] += 1
    return {
        "sessions page": {s: getattr(row, f"count_{s}") for s in Status.values},
        "roster page": page["counts"],
        "roster rows": roster_rows,
        "api detail": detail["counts"],
        "api list": next(s for s in listed_api if s["id"] == session.pk)["counts"],
        "api roster": roster_api["summary"]["counts"],
        "dashboard": {value: n for _, value, n in dashboard},
    }


def test_a_running_sessions_counts_agree_everywhere(running, tenant_a, client_for) -> None:
    seen = _everywhere(tenant_a, running, client_for)
    first = seen["roster rows"]
    assert all(counts == first for counts in seen.values()), seen
    # The two active people not seen yet are pending (the inactive one is not expected).
    assert first[Status.PENDING] >= 2
    assert sum(first.values()) == 3


def test_after_finalising_they_still_agree(running, tenant_a, client_for) -> None:
    actor = Actor(
        institution=tenant_a.institution,
        role=Role.REGISTRAR,
        user=tenant_a.user(Role.REGISTRAR),
    )
    with tenant_scope(tenant_a.institution):
        services.session_finalise(session=running, actor=actor, close_early_reason="test over")
    seen = _everywhere(tenant_a, running, client_for)
    first = seen["roster rows"]
    assert all(counts == first for counts in seen.values()), seen
    assert first[Status.PENDING] == 0 and sum(first.values()) == 3
    assert first[Status.ABSENT] >= 2


def test_the_counts_cost_one_query_whatever_the_number_of_sessions(desk, tenant_a) -> None:
    actor = Actor(institution=tenant_a.institution, role=Role.REGISTRAR)
    for hour in range(8, 11):
        desk.session(f"{hour:02d}:00", f"{hour:02d}:30")
    with tenant_scope(tenant_a.institution), CaptureQueriesContext(connection) as few:
        list(selectors.session_list_with_counts(actor=actor))
    for hour in range(11, 20):
        desk.session(f"{hour:02d}:00", f"{hour:02d}:30")
    with tenant_scope(tenant_a.institution), CaptureQueriesContext(connection) as many:
        sessions = list(selectors.session_list_with_counts(actor=actor))
    assert len(sessions) == 12 and len(many) == len(few)
    assert all(session.count_pending == 3 for session in sessions)
