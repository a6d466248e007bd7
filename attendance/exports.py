"""CSV and XLSX files from a report (attendance.reports.Report).

Every text cell goes through gaitportal.spreadsheet_cells (names like `=HYPERLINK(...)` are
written as text, never as formulas).
"""

from __future__ import annotations

import csv
import io
import numbers
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from attendance.reports import Report
from gaitportal.spreadsheet_cells import neutralise_cell, neutralise_row

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_cell(value)
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return str(value)  # a number (even negative) stays a number
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return neutralise_cell(", ".join(str(item) for item in value))
    return neutralise_cell(str(value))


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # local wall-clock time; Excel has no time zones
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return neutralise_cell(", ".join(str(item) for item in value))
    return neutralise_cell(value)


def report_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(neutralise_row([label for _, label in report.columns]))
    for row in report.rows:
        writer.writerow([_text(row.get(key)) for key, _ in report.columns])
    # A BOM so spreadsheet programs open UTF-8 names correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(report: Report) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Attendance"
    sheet.append(neutralise_row([report.title]))
    sheet["A1"].font = Font(bold=True)
    sheet.append(neutralise_row([f"Times in {report.time_zone}"]))
    sheet.append(neutralise_row([label for _, label in report.columns]))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in report.rows:
        sheet.append([_cell(row.get(key)) for key, _ in report.columns])
    for column_cells in sheet.iter_cols(min_row=4):
        for cell in column_cells:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_file(report: Report, export: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) for export 'csv' or 'xlsx'."""
    if export == "csv":
        return report_csv(report), CSV_TYPE, f"{report.filename}.csv"
    if export == "xlsx":
        return report_xlsx(report), XLSX_TYPE, f"{report.filename}.xlsx"
    raise ValueError(f"Unknown export format {export!r}; use one of {EXPORT_FORMATS}.")
