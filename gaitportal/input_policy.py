"""What the portal accepts at its doors, decided once (docs/API_INPUTS.md).

Every edge (API fields and filters, the JSON parser, the request guard, CSV imports, event
rows) calls these checks, so one input class is refused the same way everywhere and never
reaches the database as something PostgreSQL or Python's datetime cannot hold. Pure Python: no
Django settings needed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

# Business dates live in this window. Before 2000 there is no digital attendance to record;
# after 2100 nothing is planned. Its edges are far from year 1 and 9999, so adding a day or a
# time zone to any accepted value cannot overflow.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# PostgreSQL's timestamptz takes offsets up to +-15:59 (real zones stay within -12 and +14).
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
# Ids are PostgreSQL bigints (SQLite: signed 64-bit integers).
MAX_ID = 2**63 - 1
# JSON request bodies nest at most this deep (bulk events: 3 levels; keypoint files: under 10).
MAX_JSON_DEPTH = 32
# How far ahead a recorded moment may lie: clocks of cameras and desks drift a little.
CONSENT_FUTURE_TOLERANCE = timedelta(days=1)
# Excuses and holidays: longer leave is recorded as consecutive periods.
MAX_PERIOD = timedelta(days=366)

NUL = "\x00"


class InputError(ValueError):
    """A value the portal refuses; the message says why, for the person who sent it."""


def check_text(value: str) -> str:
    """Text without NUL characters (PostgreSQL cannot store them in text columns)."""
    if NUL in value:
        raise InputError("NUL characters (\\x00) are not allowed.")
    return value


def check_date(value: date) -> date:
    """A calendar date inside the business window."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InputError(
            f"{value} is {_how_far(value)}: dates run from {EARLIEST_DATE} to {LATEST_DATE}."
        )
    return value


def _how_far(day: date | None) -> str:
    return "too long ago" if day is not None and day < EARLIEST_DATE else "too far in the future"


def check_datetime(value: datetime) -> datetime:
    """An aware moment with a real offset, inside the business window once in UTC."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise InputError("A time-zone offset lies between -15:59 and +15:59.")
    day = value.date() if offset is None else _utc_date(value)
    if day is None:
        day = value.date()  # only a moment at the very ends of the calendar overflows
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise InputError(
            f"{value.isoformat()} is {_how_far(day)}: times run from {EARLIEST_DATE} to "
            f"{LATEST_DATE} (UTC)."
        )
    return value


def _utc_date(value: datetime) -> date | None:
    try:
        return value.astimezone(UTC).date()
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        return None


def check_id(value: int) -> int:
    """A row id: a positive 64-bit integer."""
    if not 1 <= value <= MAX_ID:
        raise InputError(f"An id is a whole number from 1 to {MAX_ID}.")
    return value


def parse_id(text: object) -> int | None:
    """The row id a query parameter or header names, or None: ASCII digits within 64 bits.

    str.isdigit() alone lets through digits int() refuses ("²") and numbers beyond the
    database's integers.
    """
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def check_not_after(value: datetime, *, now: datetime, tolerance: timedelta) -> datetime:
    """A moment that has happened (give or take clock drift)."""
    if value > now + tolerance:
        raise InputError(f"{value.isoformat()} is in the future.")
    return value


def check_period_length(start: date | datetime, end: date | datetime, *, limit: timedelta) -> None:
    """A period no longer than `limit` (dates count both ends)."""
    length = end - start
    if not isinstance(start, datetime):
        length += timedelta(days=1)
    if length > limit:
        raise InputError(f"A period lasts at most {limit.days} days.")


def json_problem(data: Any, *, max_depth: int = MAX_JSON_DEPTH) -> tuple[str, str] | None:
    """The first (path, reason) that makes parsed JSON unacceptable, or None.

    Walks iteratively (no recursion limit to hit): too deep, or a NUL in a key or a string.
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                return path or "body", f"JSON nests at most {max_depth} levels deep."
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and NUL in key:
                    return path or "body", "NUL characters (\\x00) are not allowed in keys."
                child = f"{path}.{key}" if path else str(key)
                stack.append((item, child, depth + 1))
        elif isinstance(value, str) and NUL in value:
            return path or "body", "NUL characters (\\x00) are not allowed."
    return None


def problems(**checks: Any) -> dict[str, str]:
    """Run named checks (callables taking no argument); {name: reason} for those that fail.

    For models' clean(): `ValidationError(problems(starts_at=lambda: check_datetime(...)))`.
    """
    found = {}
    for name, check in checks.items():
        try:
            check()
        except InputError as error:
            found[name] = str(error)
    return found
