"""The roster is where attendance is taken and corrected: marks with reasons, excuses, roles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance.models import AttendanceRecord, Excuse, RecordChange, Status
from tests.factories import PersonFactory
from tests.web.conftest import page_queries, signed_in

pytestmark = pytest.mark.django_db


def _mark(client, session, person, status="present", reason="seen at the door"):
    return client.post(
        reverse("attendance-session-mark", args=[session.pk]),
        {"person": person.pk, "status": status, "reason": reason},
        follow=True,
    )


def test_registrar_marks_a_pending_person_with_a_reason_and_it_is_audited(
    tenant_a, running_session
) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    person = tenant_a.people[1]  # expected, not seen yet: no record
    response = _mark(client, running_session, person, "excused", "doctor's note")
    html = response.content.decode()
    assert "Excused (reason recorded)" in html
    assert 'data-status="excused"' in html
    with tenant_scope(tenant_a.institution):
        record = AttendanceRecord.objects.get(session=running_session, person=person)
        assert record.status == Status.EXCUSED and record.override_reason == "doctor's note"
        change = RecordChange.objects.filter(record=record, kind="override").get()
        assert change.changed_by == tenant_a.user(Role.REGISTRAR).username
        assert change.why == "doctor's note"
    # the panel shows the change with its reason and a way to clear it
    panel = client.get(
        reverse("attendance-roster-panel", args=[running_session.pk, person.pk])
    ).content.decode()
    assert "Manual override" in panel and "doctor&#x27;s note" in panel
    assert 'id="clear-form"' in panel


def test_a_mark_without_reason_is_refused_naming_the_field(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    response = _mark(client, running_session, tenant_a.people[1], "absent", "  ")
    assert response.status_code == 200
    assert "reason: This field is required." in response.content.decode()
    with tenant_scope(tenant_a.institution):
        assert not AttendanceRecord.objects.filter(person=tenant_a.people[1]).exists()


def test_a_bad_status_is_refused(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    response = _mark(client, running_session, tenant_a.people[1], "pending", "why not")
    assert "status: Select a valid choice" in response.content.decode()


def test_clearing_the_manual_status_brings_the_computed_one_back(tenant_a, running_session):
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    person = tenant_a.people[0]  # came in: present
    _mark(client, running_session, person, "absent", "left through the window")
    with tenant_scope(tenant_a.institution):
        record = AttendanceRecord.objects.get(session=running_session, person=person)
    assert record.status == Status.ABSENT
    response = client.post(
        reverse("attendance-session-clear", args=[running_session.pk]),
        {"record": record.pk, "reason": "entered by mistake"},
        follow=True,
    )
    assert "manual status cleared" in response.content.decode()
    record.refresh_from_db()
    assert record.status == Status.PRESENT and not record.override_status


def test_an_excuse_from_the_roster_excuses_the_day(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    person = tenant_a.people[2]
    day = running_session.starts_at.astimezone(tenant_a.institution.tzinfo).date()
    response = client.post(
        reverse("attendance-session-excuse", args=[running_session.pk]),
        {"person": person.pk, "starts_on": day, "ends_on": day, "reason": "flu"},
        follow=True,
    )
    assert "Excuse recorded" in response.content.decode()
    with tenant_scope(tenant_a.institution):
        assert Excuse.objects.filter(person=person, reason="flu").exists()
        record = AttendanceRecord.objects.get(session=running_session, person=person)
        assert record.status == Status.EXCUSED


def test_instructors_and_viewers_see_the_roster_but_may_not_correct_it(
    tenant_a, running_session
) -> None:
    for role in (Role.INSTRUCTOR, Role.VIEWER):
        client = signed_in(tenant_a.user(role))
        page = client.get(reverse("attendance-session", args=[running_session.pk]))
        assert page.status_code == 200
        assert "Correct<" not in page.content.decode()
        response = _mark(client, running_session, tenant_a.people[1])
        assert response.status_code == 403
        assert "Your role may not correct attendance" in response.content.decode()


def test_instructor_outside_their_units_is_told_so_not_no_such(tenant_a, tenant_b) -> None:
    client = signed_in(tenant_a.user(Role.INSTRUCTOR))
    outsider = tenant_a.people[3]  # in the other unit
    response = client.get(reverse("person", args=[outsider.pk]))
    assert response.status_code == 403
    assert "outside your units" in response.content.decode()
    # another institution's person does not exist for them
    foreign = client.get(reverse("person", args=[tenant_b.people[0].pk]))
    assert foreign.status_code == 404


def test_the_roster_and_its_csv_show_human_labels(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    _mark(client, running_session, tenant_a.people[1], "left_early", "went home ill")
    html = client.get(reverse("attendance-session", args=[running_session.pk])).content.decode()
    assert '<span class="badge badge-left_early">Left early</span>' in html
    assert "left_early<" not in html and "leftearly" not in html
    csv = client.get(reverse("attendance-session", args=[running_session.pk]), {"export": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert "went home ill" in csv.content.decode("utf-8-sig")
    assert (
        client.get(
            reverse("attendance-session", args=[running_session.pk]), {"export": "pdf"}
        ).status_code
        == 400
    )


def test_roster_query_count_does_not_grow_with_the_people(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    path = reverse("attendance-session", args=[running_session.pk])
    few = page_queries(client, path)
    for _ in range(40):
        PersonFactory(institution=tenant_a.institution, units=[tenant_a.unit])
    client.post(
        reverse("attendance-session-mark", args=[running_session.pk]),
        {"person": tenant_a.people[1].pk, "status": "late", "reason": "bus"},
    )
    assert few > 3
    assert page_queries(client, path) == few


def test_counts_partial_and_week_calendar(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.INSTRUCTOR))
    counts = client.get(reverse("attendance-session-counts", args=[running_session.pk]))
    assert 'data-status="present"><span class="figure">1</span> Present' in counts.content.decode()
    week = client.get(reverse("attendance-week")).content.decode()
    assert "Chemistry" in week
    bad = client.get(reverse("attendance-week"), {"date": "not-a-date"}, follow=True)
    assert "date: use the form YYYY-MM-DD" in bad.content.decode()
    listing = client.get(reverse("attendance-sessions"), {"date_from": "2026-13-01"})
    assert "Enter a valid date" in listing.content.decode()


def test_instructor_records_a_person_seen_at_the_door(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.INSTRUCTOR))
    person = tenant_a.people[2]
    roster = client.get(reverse("attendance-session", args=[running_session.pk])).content.decode()
    assert "Record<" in roster
    response = client.post(
        reverse("attendance-session-presence", args=[running_session.pk]),
        {"person": person.pk, "direction": "in", "at": "", "note": ""},
        follow=True,
    )
    html = response.content.decode()
    assert f"{person.full_name}: seen at" in html
    with tenant_scope(tenant_a.institution):
        record = AttendanceRecord.objects.get(session=running_session, person=person)
        event = person.presence_events.get()
    assert record.status == Status.LATE  # an hour after the start
    assert event.source == "manual" and event.recorded_by == tenant_a.user(Role.INSTRUCTOR).username
    # a viewer may not take attendance; an outsider is outside the instructor's units
    viewer = signed_in(tenant_a.user(Role.VIEWER))
    denied = viewer.post(
        reverse("attendance-session-presence", args=[running_session.pk]),
        {"person": person.pk, "direction": "in"},
    )
    assert denied.status_code == 403
    outside = client.post(
        reverse("attendance-session-presence", args=[running_session.pk]),
        {"person": tenant_a.people[3].pk, "direction": "in"},
    )
    assert outside.status_code == 403 and "outside your units" in outside.content.decode()


def test_closing_a_running_session_early_needs_a_reason(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    url = reverse("attendance-page-finalise", args=[running_session.pk])
    refused = client.post(url, {"close_early_reason": ""}, follow=True)
    assert "close_early_reason" in refused.content.decode()
    running_session.refresh_from_db()
    assert running_session.state != "finalised"
    done = client.post(url, {"close_early_reason": "fire drill"}, follow=True)
    assert "Session finalised" in done.content.decode()
    running_session.refresh_from_db()
    assert running_session.state == "finalised"
    assert running_session.close_early_reason == "fire drill"
    with tenant_scope(tenant_a.institution):
        absent = AttendanceRecord.objects.get(session=running_session, person=tenant_a.people[1])
    assert absent.status == Status.ABSENT
    viewer = signed_in(tenant_a.user(Role.INSTRUCTOR))
    assert viewer.post(url, {"close_early_reason": "x"}).status_code == 403
