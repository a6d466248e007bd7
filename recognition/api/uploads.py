"""Upload handling: hash the file while Django spools it to disk, so it is read once."""

from __future__ import annotations

import hashlib

from django.core.files.uploadhandler import TemporaryFileUploadHandler


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Spools every upload to a temporary file and computes its SHA-256 on the way.

    The file gets `sha256_hexdigest`, which recognition.services.sample_create uses instead of
    reading 20 MB again; the temporary file is then moved, not copied, into storage.
    """

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self._digest = hashlib.sha256()

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self._digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int):
        upload = super().file_complete(file_size)
        if upload is not None:
            upload.sha256_hexdigest = self._digest.hexdigest()
        return upload
