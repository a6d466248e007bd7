"""A synthetic walk drawn as a clothed cartoon figure, for demo videos.

The engine's stick figures (synthetic/render.py) are too thin for MediaPipe's person detector,
which loses them most of the time; a filled figure (shirt, trousers, skin, hair, shoes) drawn
on the walker's own keypoints is found in most frames, so a demo clip goes through real pose
estimation and is recognised like a recording.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from recognition.gait.tracks import PoseTrack

SKIN, SHIRT, TROUSERS = (140, 170, 220), (160, 90, 40), (70, 60, 50)
HAIR, SHOES, EYE = (40, 40, 60), (30, 30, 30), (40, 30, 20)
BACKGROUND, FLOOR = (200, 205, 210), (150, 160, 165)
FOURCC = {".mp4": "mp4v", ".avi": "MJPG"}


def _pt(v: np.ndarray) -> tuple[int, int]:
    return round(float(v[0])), round(float(v[1]))


def draw_figure(img: np.ndarray, keypoints: np.ndarray) -> None:
    """Draw one COCO-17 pose (pixels) as a clothed figure onto ``img``."""
    p = keypoints[:, :2]
    neck, mid_hip = (p[5] + p[6]) / 2, (p[11] + p[12]) / 2
    s = float(np.linalg.norm(neck - (p[15] + p[16]) / 2)) / 6.5  # about one head height
    limb, aa = max(3, int(s * 0.45)), cv2.LINE_AA
    for a, b, extra in ((12, 14, 4), (14, 16, 2), (11, 13, 4), (13, 15, 2)):
        cv2.line(img, _pt(p[a]), _pt(p[b]), TROUSERS, limb + extra, aa)
    for foot in (15, 16):
        cv2.ellipse(img, _pt(p[foot]), (int(s * 0.35), int(s * 0.15)), 0, 0, 360, SHOES, -1, aa)
    torso = cv2.convexHull(np.array([p[5], p[6], p[12], p[11]], np.int32))
    cv2.fillPoly(img, [torso], SHIRT, aa)
    cv2.line(img, _pt(neck), _pt(mid_hip), SHIRT, max(1, int(s)), aa)
    for shoulder, elbow, wrist in ((6, 8, 10), (5, 7, 9)):
        cv2.line(img, _pt(p[shoulder]), _pt(p[elbow]), SHIRT, limb + 2, aa)
        cv2.line(img, _pt(p[elbow]), _pt(p[wrist]), SKIN, limb, aa)
        cv2.circle(img, _pt(p[wrist]), int(s * 0.2), SKIN, -1, aa)
    head = (p[0] + (p[3] + p[4]) / 2) / 2
    cv2.ellipse(img, _pt(head), (int(s * 0.42), int(s * 0.55)), 0, 0, 360, SKIN, -1, aa)
    hair = head - np.array([0.0, s * 0.25])
    cv2.ellipse(img, _pt(hair), (int(s * 0.44), int(s * 0.35)), 0, 180, 360, HAIR, -1, aa)
    cv2.circle(img, _pt(p[0]), max(2, int(s * 0.08)), EYE, -1, aa)


def render_walk_video(
    track: PoseTrack, path: str | Path, *, size: tuple[int, int] = (640, 480)
) -> Path:
    """Write ``track`` as a video of a clothed figure (.mp4 or .avi)."""
    path = Path(path)
    fourcc = FOURCC.get(path.suffix.lower())
    if fourcc is None:
        raise ValueError(f"unsupported video extension {path.suffix!r}; use .mp4 or .avi")
    width, height = track.image_size or size
    scale = np.array([size[0] / width, size[1] / height, 1.0], np.float32)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), track.fps, size)
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {path}")
    try:
        for row in track.keypoints * scale:
            img = np.empty((size[1], size[0], 3), np.uint8)
            img[:] = BACKGROUND
            img[int(size[1] * 0.85) :] = FLOOR
            draw_figure(img, row)
            writer.write(img)
    finally:
        writer.release()
    return path
