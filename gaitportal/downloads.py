"""File responses the browser saves instead of rendering.

Anything a user uploaded or an export built from user data goes out through `attachment`:
Content-Disposition: attachment (never rendered inline on the portal's origin), nosniff (the
browser keeps the declared type), and a file name reduced to safe characters (a quote, a
semicolon or a line break from a unit code or an uploaded name cannot bend the header).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.http import FileResponse, HttpResponse

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, *, fallback: str = "download") -> str:
    cleaned = _UNSAFE.sub("_", name).strip("._") or fallback
    return cleaned[:150]


def _harden(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    return _harden(HttpResponse(content, content_type=content_type), filename)


def file_attachment(stream: Iterable[bytes], *, content_type: str, filename: str) -> FileResponse:
    response = FileResponse(stream, content_type=content_type)
    return _harden(response, filename)
