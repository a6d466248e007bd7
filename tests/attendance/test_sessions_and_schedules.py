"""Sessions from weekly schedules (term dates, holidays, DST, overnight), rules, notices."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.tenancy import tenant_scope
from attendance import services
from attendance.models import Session, Status
from tests.attendance.conftest import local


@pytest.mark.django_db
def test_schedule_generates_weekdays_in_term_skipping_holidays_idempotently(tenant_a) -> None:
    institution = tenant_a.institution
    with tenant_scope(institution):
        services.holiday_create(
            institution=institution,
            name="Half term",
            starts_on=date(2026, 3, 4),
            ends_on=date(2026, 3, 4),
            now=local(tenant_a, date(2026, 2, 1), "00:00"),
        )
        schedule = services.schedule_create(
            institution=institution,
            unit=tenant_a.unit,
            title="Maths",
            weekdays=[0, 2, 4],
            start_time=time(9, 0),
            end_time=time(10, 0),
            valid_from=date(2026, 3, 2),
            valid_until=date(2026, 3, 13),
            now=local(tenant_a, date(2026, 2, 1), "00:00"),  # too early for the 14-day horizon
        )
        assert not schedule.sessions.exists()
        created = services.sessions_generate(
            schedule=schedule, start=date(2026, 2, 23), end=date(2026, 3, 31)
        )
        again = services.sessions_generate(
            schedule=schedule, start=date(2026, 2, 23), end=date(2026, 3, 31)
        )
        days = sorted(s.starts_at.astimezone(institution.tzinfo).date() for s in created)
    # Mon 2, (Wed 4 holiday), Fri 6, Mon 9, Wed 11, Fri 13
    assert days == [date(2026, 3, d) for d in (2, 6, 9, 11, 13)]
    assert again == []
    assert all(s.starts_at.astimezone(institution.tzinfo).hour == 9 for s in created)


@pytest.mark.django_db
def test_schedule_keeps_local_time_across_dst_and_handles_overnight(tenant_a) -> None:
    institution = tenant_a.institution  # Europe/London
    with tenant_scope(institution):
        schedule = services.schedule_create(
            institution=institution,
            unit=tenant_a.unit,
            title="Night shift",
            weekdays=[5, 6],
            start_time=time(22, 0),
            end_time=time(6, 0),
            valid_from=date(2026, 3, 28),
            valid_until=date(2026, 3, 29),
            now=local(tenant_a, date(2026, 1, 1), "00:00"),
        )
        sat, sun = services.sessions_generate(
            schedule=schedule, start=date(2026, 3, 28), end=date(2026, 3, 29)
        )
    tz = institution.tzinfo
    assert sat.starts_at.astimezone(tz).hour == 22 and sat.ends_at.astimezone(tz).hour == 6
    assert sat.ends_at - sat.starts_at == timedelta(hours=7)  # the clocks went forward that night
    assert sun.ends_at - sun.starts_at == timedelta(hours=8)


@pytest.mark.django_db
def test_schedule_change_regenerates_future_sessions_only(tenant_a) -> None:
    institution = tenant_a.institution
    now = local(tenant_a, date(2026, 3, 4), "12:00")
    with tenant_scope(institution):
        schedule = services.schedule_create(
            institution=institution,
            unit=tenant_a.unit,
            title="Maths",
            weekdays=[0, 2, 4],
            start_time=time(9, 0),
            end_time=time(10, 0),
            valid_from=date(2026, 3, 2),
            valid_until=date(2026, 3, 31),
            now=now,
        )
        services.sessions_generate(schedule=schedule, start=date(2026, 3, 2), end=date(2026, 3, 4))
        services.schedule_update(
            schedule=schedule, start_time=time(10, 0), end_time=time(11, 0), now=now
        )
        hours = {
            s.starts_at.astimezone(institution.tzinfo).date(): s.starts_at.astimezone(
                institution.tzinfo
            ).hour
            for s in Session.objects.filter(schedule=schedule)
        }
    assert hours[date(2026, 3, 2)] == 9 and hours[date(2026, 3, 4)] == 9  # started: kept
    assert hours[date(2026, 3, 6)] == 10


@pytest.mark.django_db
def test_generate_upcoming_runs_for_every_institution(tenant_a, tenant_b) -> None:
    for tenant in (tenant_a, tenant_b):
        with tenant_scope(tenant.institution):
            services.schedule_create(
                institution=tenant.institution,
                unit=tenant.unit,
                title="Daily",
                weekdays=list(range(7)),
                start_time=time(9, 0),
                end_time=time(10, 0),
                valid_from=date(2026, 3, 1),
                valid_until=date(2026, 12, 31),
                now=local(tenant, date(2026, 1, 1), "00:00"),
            )
    created = services.sessions_generate_upcoming(now=local(tenant_a, date(2026, 3, 1), "08:00"))
    assert created == 2 * 15
    assert services.sessions_generate_upcoming(now=local(tenant_a, date(2026, 3, 1), "08:00")) == 0


@pytest.mark.django_db
def test_rule_resolution_session_then_unit_then_institution_default(desk, tenant_a) -> None:
    institution = tenant_a.institution
    with tenant_scope(institution):
        default = services.rule_create(
            institution=institution, name="Default", late_grace_minutes=1
        )
        services.attendance_settings_update(institution=institution, default_rule=default)
        unit_rule = services.rule_create(
            institution=institution, name="Unit", units=[tenant_a.unit], late_grace_minutes=2
        )
        with pytest.raises(ValidationError):
            services.rule_create(institution=institution, name="Clash", units=[tenant_a.unit])
        own = services.rule_create(institution=institution, name="Own", late_grace_minutes=3)
    plain = desk.session()
    other = desk.session(unit=tenant_a.other_unit)
    with tenant_scope(institution):
        special = services.session_create(
            institution=institution,
            unit=tenant_a.unit,
            title="Exam",
            starts_at=desk.at("11:00"),
            ends_at=desk.at("12:00"),
            rule=own,
        )
        assert services.rule_for_session(plain)[0] == unit_rule
        assert services.rule_for_session(other)[0] == default
        assert services.rule_for_session(special)[0] == own


@pytest.mark.django_db
def test_rule_thresholds_are_validated(tenant_a) -> None:
    with tenant_scope(tenant_a.institution), pytest.raises(ValidationError):
        services.rule_create(
            institution=tenant_a.institution,
            name="Bad",
            minimum_presence_minutes=240,
            full_attendance_minutes=120,
        )


@pytest.mark.django_db
def test_sessions_are_validated(desk, tenant_a, tenant_b) -> None:
    with tenant_scope(tenant_a.institution):
        with pytest.raises(ValidationError):
            services.session_create(
                institution=tenant_a.institution,
                unit=tenant_a.unit,
                title="Backwards",
                starts_at=desk.at("10:00"),
                ends_at=desk.at("09:00"),
            )
        with pytest.raises(ValidationError):
            services.session_create(
                institution=tenant_a.institution,
                unit=tenant_b.unit,
                title="Foreign unit",
                starts_at=desk.at("09:00"),
                ends_at=desk.at("10:00"),
            )


@pytest.mark.django_db
def test_finalised_session_keeps_its_times(desk, tenant_a) -> None:
    session = desk.session()
    desk.finalise(session)
    with tenant_scope(tenant_a.institution):
        with pytest.raises(ValidationError):
            services.session_update(session=session, starts_at=desk.at("08:00"))
        with pytest.raises(ValidationError):
            services.session_delete(session=session)
        services.session_update(session=session, title="Maths (room change)")


@pytest.mark.django_db
def test_absence_notice_is_one_email_per_session_when_opted_in(
    desk, tenant_a, django_capture_on_commit_callbacks
) -> None:
    institution = tenant_a.institution
    with tenant_scope(institution):
        services.attendance_settings_update(
            institution=institution,
            notify_absences=True,
            absence_contact_email="office@school-a.test",
        )
    session = desk.session()
    desk.events(tenant_a.people[0], [("09:00", "in"), ("10:00", "out")])
    with django_capture_on_commit_callbacks(execute=True):
        desk.finalise(session)
    with django_capture_on_commit_callbacks(execute=True):
        desk.finalise(session)
        with tenant_scope(institution):
            assert services.absence_notice_send(session=Session.objects.get(pk=session.pk)) is False
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["office@school-a.test"]
    assert "2 absent: Maths" in message.subject
    for person in tenant_a.people[1:3]:
        assert person.external_id in message.body
    assert tenant_a.people[0].external_id not in message.body
    assert "not seen between 08:45 and 10:30: absent" in message.body


@pytest.mark.django_db
def test_no_absence_notice_without_opt_in(desk, django_capture_on_commit_callbacks) -> None:
    session = desk.session()
    with django_capture_on_commit_callbacks(execute=True):
        desk.finalise(session)
    assert mail.outbox == []
    assert desk.record(session, desk.tenant.people[0]).status == Status.ABSENT


@pytest.mark.django_db
def test_notifications_need_a_contact(tenant_a) -> None:
    with tenant_scope(tenant_a.institution), pytest.raises(ValidationError):
        services.attendance_settings_update(institution=tenant_a.institution, notify_absences=True)


@pytest.mark.django_db
def test_finalising_runs_the_same_number_of_queries_for_any_head_count(desk, tenant_a) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import PersonFactory

    big_unit = tenant_a.other_unit
    for _ in range(12):
        PersonFactory(institution=tenant_a.institution, units=[big_unit])
    counts = []
    for unit in (tenant_a.unit, big_unit):
        session = desk.session(unit=unit)
        with tenant_scope(tenant_a.institution):
            people = list(unit.people.all())
        desk.events(people[0], [("09:00", "in"), ("09:40", "out")])
        desk.events(people[1], [("09:10", "in")])
        with CaptureQueriesContext(connection) as captured:
            desk.finalise(session)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
