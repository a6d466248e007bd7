"""Draw a PoseTrack as a video of a simple stick figure (for decoding and pose-backend tests)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from recognition.gait.skeleton import EDGES
from recognition.gait.tracks import PoseTrack

_FOURCC = {".mp4": "mp4v", ".avi": "MJPG"}


def render_frames(
    track: PoseTrack,
    *,
    image_size: tuple[int, int] | None = None,
    thickness: int | None = None,
    background: tuple[int, int, int] = (200, 200, 200),
    min_confidence: float = 0.05,
):
    """Yield one BGR image per source frame from the first to the last frame index."""
    w, h = image_size or track.image_size or (640, 480)
    kp = track.keypoints
    if image_size and track.image_size:
        sx, sy = w / track.image_size[0], h / track.image_size[1]
        kp = kp * np.array([sx, sy, 1.0], dtype=np.float32)
    rows = {int(f): i for i, f in enumerate(track.frame_indices)}
    last = None
    for frame in range(int(track.frame_indices[0]), int(track.frame_indices[-1]) + 1):
        last = rows.get(frame, last)
        img = np.full((h, w, 3), background, np.uint8)
        if last is not None:
            pts = kp[last]
            neck_ankle = np.linalg.norm(pts[5:7, :2].mean(0) - pts[15:17, :2].mean(0))
            t = thickness or max(2, int(neck_ankle / 12))
            for a, b in EDGES:
                if pts[a, 2] >= min_confidence and pts[b, 2] >= min_confidence:
                    pa = tuple(np.rint(pts[a, :2]).astype(int).tolist())
                    pb = tuple(np.rint(pts[b, :2]).astype(int).tolist())
                    cv2.line(img, pa, pb, (60, 40, 30), t, cv2.LINE_AA)
            if pts[0, 2] >= min_confidence:
                centre = tuple(np.rint(pts[0, :2]).astype(int).tolist())
                cv2.circle(img, centre, max(3, int(neck_ankle / 8)), (60, 40, 30), -1, cv2.LINE_AA)
        yield img


def render_video(
    track: PoseTrack,
    path: str | Path,
    *,
    image_size: tuple[int, int] | None = None,
    fps: float | None = None,
    thickness: int | None = None,
) -> Path:
    """Write the track as a stick-figure video: .mp4 (mp4v) or .avi (MJPG). Returns the path."""
    path = Path(path)
    fourcc = _FOURCC.get(path.suffix.lower())
    if fourcc is None:
        raise ValueError(f"unsupported video extension {path.suffix!r}; use .mp4 or .avi")
    w, h = image_size or track.image_size or (640, 480)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*fourcc), float(fps or track.fps), (int(w), int(h))
    )
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {path}")
    try:
        for img in render_frames(track, image_size=(w, h), thickness=thickness):
            writer.write(img)
    finally:
        writer.release()
    return path
