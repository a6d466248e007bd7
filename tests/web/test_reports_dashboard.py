"""Reports (filters, CSV, XLSX, chart), a person's history, and the dashboard."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from tests.factories import PersonFactory
from tests.web.conftest import page_queries, signed_in

pytestmark = pytest.mark.django_db


def test_report_filters_and_exports(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    client.post(
        reverse("attendance-session-mark", args=[running_session.pk]),
        {"person": tenant_a.people[1].pk, "status": "left_early", "reason": "bus"},
    )
    page = client.get(reverse("reports"), {"status": "left_early"}).content.decode()
    assert tenant_a.people[1].last_name in page
    assert tenant_a.people[0].last_name not in page
    assert "<svg" in page and "Attendance rate per unit" in page
    assert 'id="unit-charts"' in page and f"{tenant_a.unit.code}: attendance rate per day" in page
    exported = client.get(reverse("reports"), {"status": "left_early", "export": "csv"})
    assert exported["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row["Status"] for row in rows] == ["Left early"]
    xlsx = client.get(reverse("reports"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A3"].value == "Date"
    bad = client.get(reverse("reports"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "The end date is before the start date." in bad.content.decode()


def test_person_history_page_and_its_csv(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.VIEWER))
    person = tenant_a.people[0]
    html = client.get(reverse("report-person", args=[person.pk])).content.decode()
    assert "Chemistry" in html and "Present" in html
    exported = client.get(reverse("report-person", args=[person.pk]), {"export": "csv"})
    assert "Chemistry" in exported.content.decode("utf-8-sig")
    page = client.get(reverse("person", args=[person.pk])).content.decode()
    assert "Attendance per week" in page and "<svg" in page


def test_dashboard_shows_today_with_live_counts_and_links(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.INSTRUCTOR))
    html = client.get(reverse("dashboard")).content.decode()
    assert "Chemistry" in html
    assert f'hx-get="{reverse("dashboard-today")}"' in html
    assert reverse("people") in html and reverse("reports") + "?status=absent" in html
    partial = client.get(reverse("dashboard-today")).content.decode()
    assert "Chemistry" in partial and "<html" not in partial


def test_dashboard_query_count_does_not_grow_with_the_people(tenant_a, running_session) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    few = page_queries(client, reverse("dashboard"))
    for _ in range(30):
        PersonFactory(institution=tenant_a.institution, units=[tenant_a.unit])
    assert few > 3
    assert page_queries(client, reverse("dashboard")) == few
    reports_few = page_queries(client, reverse("reports"))
    people_few = page_queries(client, reverse("people"))
    for _ in range(30):
        PersonFactory(institution=tenant_a.institution, units=[tenant_a.unit])
    assert page_queries(client, reverse("reports")) == reports_few
    assert page_queries(client, reverse("people")) == people_few
