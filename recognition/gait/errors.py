"""Errors the gait engine raises for input it cannot use.

All derive from GaitInputError (a ValueError) so the portal can catch one type and show the
message to the person who uploaded the file; each message names the file and what was wrong.
"""

from __future__ import annotations


class GaitInputError(ValueError):
    """The input (a video, a keypoint file, a track) cannot be used."""


class KeypointFormatError(GaitInputError):
    """A keypoint file is malformed, of an unknown format, or holds no detections."""


class VideoDecodeError(GaitInputError):
    """A video cannot be opened or decoded (corrupt, empty, truncated, unknown codec)."""


class NoPersonFoundError(GaitInputError):
    """The input was readable but nobody (or nobody usable) was found in it."""


class PoseBackendUnavailableError(RuntimeError):
    """A pose backend cannot run here (its package or model files are missing).

    Not an input error: the deployment has to be fixed, so it is not a GaitInputError."""
