"""Uploaded files are checked by content, never by name or declared type.

One place for every upload door (excuse documents now; recognition samples follow the same
pattern): `check_upload(file, kinds=..., max_bytes=..., field=...)` reads the first bytes, finds
the kind from its signature (magic bytes, no third-party library: the few formats we accept have
fixed, well-known signatures), refuses anything else or anything too large with a
ValidationError naming the field, and returns the kind, whose MIME type and extension are then
used to name, store and serve the file. Stored names are generated (`stored_name`), so an
uploaded name like `note.pdf.html` or `../x` never reaches the disk or a response header.

Serving: uploads are never under a public URL; they go out through authorised, tenant-scoped
views with gaitportal.downloads.file_attachment (attachment, nosniff).

Adding a kind: append a FileKind with a `matches(head)` test on the first HEAD_BYTES bytes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError

HEAD_BYTES = 64


@dataclass(frozen=True)
class FileKind:
    name: str
    mime: str
    extension: str
    matches: Callable[[bytes], bool]


PDF = FileKind("pdf", "application/pdf", "pdf", lambda head: head.startswith(b"%PDF-"))
PNG = FileKind("png", "image/png", "png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"))
JPEG = FileKind("jpeg", "image/jpeg", "jpg", lambda head: head.startswith(b"\xff\xd8\xff"))
# Video containers, for recognition uploads.
MP4 = FileKind("mp4", "video/mp4", "mp4", lambda head: head[4:8] == b"ftyp")
WEBM = FileKind("webm", "video/webm", "webm", lambda head: head.startswith(b"\x1a\x45\xdf\xa3"))
AVI = FileKind(
    "avi", "video/x-msvideo", "avi", lambda head: head[:4] == b"RIFF" and head[8:12] == b"AVI "
)

DOCUMENT_KINDS = (PDF, PNG, JPEG)
VIDEO_KINDS = (MP4, WEBM, AVI)


def _read_head(file: IO[bytes]) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        return file.read(HEAD_BYTES) or b""
    finally:
        file.seek(position)


def _size(file) -> int:
    size = getattr(file, "size", None)
    if size is not None:
        return int(size)
    position = file.tell()
    file.seek(0, 2)
    end = file.tell()
    file.seek(position)
    return end


def detect_kind(file: IO[bytes], kinds: tuple[FileKind, ...]) -> FileKind | None:
    head = _read_head(file)
    return next((kind for kind in kinds if kind.matches(head)), None)


def check_upload(file, *, kinds: tuple[FileKind, ...], max_bytes: int, field: str) -> FileKind:
    """The file's kind, or a ValidationError naming `field` (wrong content or too large)."""
    size = _size(file)
    if size == 0:
        raise ValidationError({field: "The file is empty."})
    if size > max_bytes:
        raise ValidationError(
            {field: f"The file is {size:,} bytes; at most {max_bytes:,} bytes are accepted."}
        )
    kind = detect_kind(file, kinds)
    if kind is None:
        accepted = ", ".join(k.name.upper() for k in kinds)
        raise ValidationError(
            {field: f"Unsupported file content; accepted: {accepted} (checked by content)."}
        )
    return kind


def stored_name(kind: FileKind, *, prefix: str = "") -> str:
    """A generated file name with the extension of the detected content."""
    return f"{prefix}{uuid.uuid4().hex}.{kind.extension}"
