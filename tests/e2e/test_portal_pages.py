"""The pages in a real browser: correct a status with a reason, export CSV and open it,
the roster at a phone's width, the dashboard's live counts and role-aware errors."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance.models import AttendanceRecord, RecordChange, Status
from tests.web.conftest import running_session  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#institution-name")


def test_registrar_corrects_a_status_with_a_reason(
    live_server,
    page,
    tenant_a,
    running_session,  # noqa: F811
) -> None:
    sign_in(page, live_server, tenant_a.user(Role.REGISTRAR))
    page.click("text=Sessions")
    page.click("text=Chemistry")
    person = tenant_a.people[1]
    row = page.locator(f"#person-{person.pk}")
    assert row.get_attribute("data-status") == "pending"
    row.locator("text=Correct").click()  # htmx loads the panel in place
    page.wait_for_selector("#mark-form")
    page.select_option("#mark-status", label="Left early")
    # the reason is required: the browser refuses to submit without it
    page.click("#mark-form button[type=submit]")
    assert page.locator("#mark-reason:invalid").count() == 1
    page.fill("#mark-reason", "Parent picked up at 10:15")
    page.click("#mark-form button[type=submit]")
    page.wait_for_selector("text=Left early (reason recorded)")
    assert row.get_attribute("data-status") == "left_early"
    assert "Left early" in row.inner_text() and "Manual" in row.inner_text()
    assert "Parent picked up at 10:15" in page.inner_text("#record-changes")
    with tenant_scope(tenant_a.institution):
        record = AttendanceRecord.objects.get(session=running_session, person=person)
        assert record.status == Status.LEFT_EARLY
        assert RecordChange.objects.filter(record=record, why="Parent picked up at 10:15").exists()


def test_export_csv_and_open_it(
    live_server,
    page,
    tenant_a,
    running_session,  # noqa: F811
) -> None:
    sign_in(page, live_server, tenant_a.user(Role.VIEWER))
    page.goto(f"{live_server.url}/reports/")
    with page.expect_download() as download:
        page.click("#export-csv")
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.DictReader(io.StringIO(text)))
    mine = [row for row in rows if row["ID"] == tenant_a.people[0].external_id]
    assert mine and mine[0]["Status"] == "Present" and mine[0]["Session"] == "Chemistry"
    assert download.value.suggested_filename.endswith(".csv")


def test_roster_fits_a_phone(
    live_server,
    browser,
    tenant_a,
    running_session,  # noqa: F811
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, tenant_a.user(Role.INSTRUCTOR))
    for path in (f"/attendance/sessions/{running_session.pk}/", "/dashboard/", "/attendance/"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways: {width}px"
    page.goto(f"{live_server.url}/attendance/sessions/{running_session.pk}/")
    # at a phone's width each roster row is a card (headings only for screen readers)
    first = page.locator(f"#person-{tenant_a.people[0].pk}")
    assert first.evaluate("row => getComputedStyle(row).display") == "flex"
    assert page.locator("#roster thead").bounding_box()["width"] <= 1
    assert "Present" in first.inner_text()
    box = first.bounding_box()
    assert box["width"] <= 390
    context.close()


def test_every_page_fits_a_phone(
    live_server,
    browser,
    tenant_a,
    running_session,  # noqa: F811
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, live_server, tenant_a.user(Role.ADMIN))
    person = tenant_a.people[0]
    paths = [
        "/dashboard/",
        "/attendance/week/",
        f"/attendance/sessions/{running_session.pk}/?person={person.pk}",
        "/people/",
        f"/people/{person.pk}/",
        f"/people/{person.pk}/edit/",
        "/units/",
        "/reports/",
        f"/reports/people/{person.pk}/",
        "/settings/",
        "/recognition/upload/",
        "/recognition/samples/",
        "/recognition/recognitions/",
        "/recognition/review/",
        f"/recognition/people/{person.pk}/",
    ]
    for path in paths:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways: {width}px"
    # nothing on the pages needs an inline style or script the policy forbids
    assert not violations, violations
    context.close()


def test_dashboard_counts_refresh_by_themselves(
    live_server,
    page,
    tenant_a,
    running_session,  # noqa: F811
) -> None:
    from datetime import timedelta

    from attendance import services

    sign_in(page, live_server, tenant_a.user(Role.REGISTRAR))
    page.goto(f"{live_server.url}/attendance/sessions/{running_session.pk}/")
    tile = page.locator('#counts [data-status="present"] .figure')
    assert tile.inner_text() == "1"
    with tenant_scope(tenant_a.institution):
        services.events_ingest(
            institution=tenant_a.institution,
            rows=[
                {
                    "person": tenant_a.people[1].pk,
                    "occurred_at": running_session.starts_at + timedelta(minutes=3),
                    "direction": "in",
                }
            ],
        )
    # htmx polls the counts every 10 s (expect polls from Python: the page's CSP forbids eval)
    expect(tile).to_have_text("2", timeout=25_000)


def test_instructor_is_told_a_person_is_outside_their_units(live_server, page, tenant_a) -> None:
    sign_in(page, live_server, tenant_a.user(Role.INSTRUCTOR))
    page.goto(f"{live_server.url}/people/{tenant_a.people[3].pk}/")
    assert "outside your units" in page.inner_text("#denied-reason")
