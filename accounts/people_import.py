"""Import people from a CSV file, all or nothing, with a per-row error report.

Columns (header row required, order free, names case-insensitive):
  external_id (required), first_name (required), last_name (required),
  kind (student|employee; default from the institution: school -> student, company -> employee),
  email, is_active (yes/no, true/false, 1/0; default yes),
  units (unit codes separated by ';'), consent (yes/no), consent_date (ISO date or date-time).
A row whose external_id already exists updates that person; a new one creates a person.
When any row is wrong nothing is written, and the report lists every problem by row number
(the header is row 1). With dry_run the file is only checked.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import Institution, Person, Unit
from accounts.services import person_create, person_update
from gaitportal.input_policy import (
    CONSENT_FUTURE_TOLERANCE,
    InputError,
    check_datetime,
    check_not_after,
)

REQUIRED_COLUMNS = ("external_id", "first_name", "last_name")
KNOWN_COLUMNS = (
    *REQUIRED_COLUMNS,
    "kind",
    "email",
    "is_active",
    "units",
    "consent",
    "consent_date",
)
MAX_ROWS = 50_000
TRUE_WORDS = {"1", "true", "yes", "y"}
FALSE_WORDS = {"0", "false", "no", "n"}


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "errors": [vars(error) for error in self.errors],
        }


class _PersonRowForm(forms.Form):
    external_id = forms.CharField(max_length=64)
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=Person.Kind.choices)
    email = forms.EmailField(required=False)


def _parse_bool(value: str, *, default: bool) -> bool:
    word = value.strip().lower()
    if not word:
        return default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(f"expected yes or no, got {value!r}")


def _parse_when(value: str, institution: Institution) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise ValidationError(f"expected an ISO date like 2026-09-01, got {value!r}")
            moment = datetime.combine(day, time(0, 0))
        # A date that does not exist (2026-02-30) parses as far as the calendar check.
    except ValueError as error:
        raise ValidationError(f"{value!r} is not a real date: {error}.") from error
    try:
        check_datetime(moment)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, institution.tzinfo)
        check_not_after(moment, now=timezone.now(), tolerance=CONSENT_FUTURE_TOLERANCE)
    except InputError as error:
        raise ValidationError(str(error)) from error
    return moment


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8 text (byte {error.start}); save it as CSV UTF-8."
        ) from error


def people_import_csv(
    *, institution: Institution, data: bytes, dry_run: bool = False
) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    reader = csv.DictReader(io.StringIO(_decode(data)))
    if not reader.fieldnames:
        report.errors.append(RowError(1, "", "The file is empty: a header row is required."))
        return report
    columns = {name.strip().lower(): name for name in reader.fieldnames if name}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in KNOWN_COLUMNS]
    if missing or unknown:
        if missing:
            report.errors.append(
                RowError(1, "", f"Missing required column(s): {', '.join(missing)}.")
            )
        if unknown:
            report.errors.append(
                RowError(
                    1,
                    "",
                    f"Unknown column(s): {', '.join(unknown)}; known: {', '.join(KNOWN_COLUMNS)}.",
                )
            )
        return report

    default_kind = (
        Person.Kind.STUDENT if institution.kind == Institution.Kind.SCHOOL else Person.Kind.EMPLOYEE
    )
    units_by_code = {unit.code: unit for unit in Unit.objects.filter(institution=institution)}
    existing = {p.external_id: p for p in Person.objects.filter(institution=institution)}
    seen: dict[str, int] = {}
    planned: list[tuple[int, Person | None, dict]] = []

    try:
        for row_number, raw in enumerate(reader, start=2):
            report.rows += 1
            if report.rows > MAX_ROWS:
                report.errors.append(RowError(row_number, "", f"More than {MAX_ROWS} rows."))
                break
            if None in raw:
                report.errors.append(
                    RowError(row_number, "", "More values than columns in the header.")
                )
                continue
            row = {key: (raw.get(columns[key]) or "").strip() for key in columns}
            row_errors = len(report.errors)
            form = _PersonRowForm(
                {
                    "external_id": row.get("external_id", ""),
                    "first_name": row.get("first_name", ""),
                    "last_name": row.get("last_name", ""),
                    "kind": (row.get("kind") or default_kind).lower(),
                    "email": row.get("email", ""),
                }
            )
            if not form.is_valid():
                for name, messages in form.errors.items():
                    report.errors.extend(RowError(row_number, name, m) for m in messages)
            values: dict = dict(form.cleaned_data) if form.is_valid() else {}
            external_id = row.get("external_id", "")
            if external_id in seen:
                report.errors.append(
                    RowError(
                        row_number,
                        "external_id",
                        f"Duplicate external_id {external_id!r} (also on row {seen[external_id]}).",
                    )
                )
            elif external_id:
                seen[external_id] = row_number
            for name, parse in (
                ("is_active", lambda v: _parse_bool(v, default=True)),
                ("consent_given", lambda v: _parse_bool(v, default=False)),
                ("consent_recorded_at", lambda v: _parse_when(v, institution)),
            ):
                source = {"consent_given": "consent", "consent_recorded_at": "consent_date"}.get(
                    name, name
                )
                if source not in columns:
                    continue
                try:
                    values[name] = parse(row.get(source, ""))
                except ValidationError as error:
                    report.errors.append(RowError(row_number, source, error.messages[0]))
            if "units" in columns:
                codes = [code.strip() for code in row.get("units", "").split(";") if code.strip()]
                unknown_codes = [code for code in codes if code not in units_by_code]
                if unknown_codes:
                    report.errors.append(
                        RowError(
                            row_number,
                            "units",
                            f"Unknown unit code(s): {', '.join(unknown_codes)}.",
                        )
                    )
                values["units"] = [units_by_code[c] for c in codes if c in units_by_code]
            if len(report.errors) == row_errors:
                planned.append((row_number, existing.get(values["external_id"]), values))
    except csv.Error as error:
        report.errors.append(RowError(reader.line_num, "", f"Malformed CSV: {error}."))

    if report.rows == 0 and not report.errors:
        report.errors.append(RowError(2, "", "The file has a header but no rows."))
    if report.errors:
        return report

    with transaction.atomic():
        for row_number, person, values in planned:
            try:
                if person is None:
                    report.created += 1
                    if not dry_run:
                        person_create(institution=institution, **values)
                else:
                    report.updated += 1
                    if not dry_run:
                        person_update(person=person, **values)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    report.errors.extend(RowError(row_number, name, m) for m in messages)
        if report.errors:
            # Nothing half-written: one bad row undoes the rows written before it.
            transaction.set_rollback(True)
            report.created = report.updated = 0
    return report
