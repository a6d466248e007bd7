"""Finalising before the end is refused, or is an explicit early close with a reason (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.actors import Actor
from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance import services
from attendance.models import AttendanceRecord, RecordChange, Session, Status

pytestmark = pytest.mark.django_db


def _registrar(tenant) -> Actor:
    return Actor(
        institution=tenant.institution, role=Role.REGISTRAR, user=tenant.user(Role.REGISTRAR)
    )


def test_finalising_a_running_session_without_a_reason_is_refused(desk, tenant_a) -> None:
    session = desk.session("09:00", "10:00")
    desk.events(tenant_a.people[0], [("09:02", "in")])
    with tenant_scope(desk.institution), pytest.raises(ValidationError) as caught:
        services.session_finalise(session=session, now=desk.at("09:30"))
    assert "close_early_reason" in caught.value.message_dict
    session.refresh_from_db()
    assert session.state != Session.State.FINALISED and session.ends_at == desk.at("10:00")
    with tenant_scope(desk.institution):
        assert not AttendanceRecord.objects.filter(session=session, is_final=True).exists()
        assert not AttendanceRecord.objects.filter(status=Status.ABSENT).exists()


def test_closing_early_computes_at_the_close_time_and_is_audited(desk, tenant_a) -> None:
    inside, gone, unseen = tenant_a.people[0], tenant_a.people[1], tenant_a.people[2]
    session = desk.session("09:00", "10:00")
    desk.events(inside, [("09:00", "in")])
    desk.events(gone, [("09:00", "in"), ("09:20", "out")])
    with tenant_scope(desk.institution):
        services.session_finalise(
            session=session,
            now=desk.at("09:30"),
            actor=_registrar(tenant_a),
            close_early_reason="fire drill",
        )
    session.refresh_from_db()
    assert session.is_finalised and session.closed_early
    assert (session.planned_ends_at, session.ends_at) == (desk.at("10:00"), desk.at("09:30"))
    assert session.finalised_at == desk.at("09:30")
    assert session.closed_early_by == "school-a-registrar"
    assert session.close_early_reason == "fire drill"
    # Credited up to the close (30 minutes), never the 60 planned ones.
    assert desk.record(session, inside).minutes_present == 30
    assert desk.record(session, inside).status == Status.PRESENT
    assert desk.record(session, gone).minutes_present == 20
    assert desk.record(session, unseen).status == Status.ABSENT
    with tenant_scope(desk.institution):
        change = RecordChange.objects.get(record__person=unseen, status_after=Status.ABSENT)
    assert "closed early at 09:30 by school-a-registrar (fire drill)" in change.why
    assert change.changed_by == "school-a-registrar"


def test_a_session_not_started_cannot_be_closed_early(desk, tenant_a) -> None:
    session = desk.session("09:00", "10:00")
    with tenant_scope(desk.institution), pytest.raises(ValidationError) as caught:
        services.session_finalise(session=session, now=desk.at("08:30"), close_early_reason="x")
    assert "not started" in caught.value.messages[0]


def test_after_the_end_no_reason_is_needed_and_the_end_stays(desk, tenant_a) -> None:
    session = desk.session("09:00", "10:00")
    with tenant_scope(desk.institution):
        services.session_finalise(session=session, now=desk.at("10:00"), close_early_reason="x")
    session.refresh_from_db()
    assert session.is_finalised and not session.closed_early
    assert session.ends_at == desk.at("10:00") and session.close_early_reason == ""


@pytest.fixture
def running(desk, tenant_a) -> Session:
    now = timezone.now()
    with tenant_scope(desk.institution):
        return services.session_create(
            institution=desk.institution,
            unit=tenant_a.unit,
            title="Running",
            starts_at=now - timedelta(minutes=30),
            ends_at=now + timedelta(minutes=30),
        )


def test_the_api_refuses_an_early_finalise_unless_closing_early(
    running, tenant_a, client_for
) -> None:
    registrar = client_for(tenant_a.user(Role.REGISTRAR))
    url = reverse("attendance-session-finalise", args=[running.pk])
    refused = registrar.post(url, {}, format="json")
    assert refused.status_code == 400
    assert "close_early_reason" in refused.content.decode()
    running.refresh_from_db()
    assert not running.is_finalised
    closed = registrar.post(url, {"close_early_reason": "power cut"}, format="json")
    assert closed.status_code == 200
    detail = registrar.get(reverse("attendance-session-detail", args=[running.pk])).json()
    assert detail["state"] == "finalised" and detail["close_early_reason"] == "power cut"
    assert detail["planned_ends_at"] is not None


def test_the_admin_refuses_finalise_and_closes_early_with_a_reason(running, tenant_a) -> None:
    browser = Client()
    browser.force_login(tenant_a.user(Role.REGISTRAR))
    url = reverse("admin:attendance_session_changelist")
    page = browser.post(url, {"action": "finalise", "_selected_action": [running.pk]}, follow=True)
    assert "close it early and say why" in page.content.decode()
    running.refresh_from_db()
    assert not running.is_finalised
    ask = browser.post(url, {"action": "close_early", "_selected_action": [running.pk]})
    assert ask.status_code == 200 and "Close sessions early" in ask.content.decode()
    browser.post(
        url,
        {
            "action": "close_early",
            "_selected_action": [running.pk],
            "apply": "1",
            "reason": "snow day",
        },
        follow=True,
    )
    running.refresh_from_db()
    assert running.is_finalised and running.close_early_reason == "snow day"
    assert running.closed_early_by == "school-a-registrar"
