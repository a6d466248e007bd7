"""Neutralise spreadsheet cells so exported text never runs as a formula (CSV/formula injection).

Every CSV and XLSX export passes its cells through `neutralise_cell`. Following OWASP's CSV
injection guidance, a text cell whose first character (after any leading whitespace, which
spreadsheet programs skip) is one of = + - @ tab or carriage return gets a leading apostrophe,
so Excel, LibreOffice and Google Sheets show it as text. Only text is touched: numbers, dates and
booleans are written as they are (a negative number is a number, not a formula).
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(text: str) -> str:
    """`text`, prefixed with an apostrophe when a spreadsheet would read it as a formula."""
    stripped = text.lstrip(" \n\u00a0")
    if text.startswith(FORMULA_TRIGGERS) or stripped.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def neutralise_cell(value: Any) -> Any:
    """A cell value safe to write to CSV or XLSX: text neutralised, anything else unchanged."""
    return neutralise_text(value) if isinstance(value, str) else value


def neutralise_row(values: list[Any]) -> list[Any]:
    return [neutralise_cell(value) for value in values]
