"""Synthetic walkers for the perception tests: 3D stick people projected by a pinhole camera.

They give keypoint tracks with known truth (who is where, which way they walk) without any
real recording.
"""

from __future__ import annotations

import numpy as np

from recognition.gait.skeleton import NUM_JOINTS
from recognition.gait.tracks import PoseTrack

# Standing body in its own frame: (forward, left, up) in metres, COCO-17 order.
BODY = np.array(
    [
        [0.10, 0.00, 1.60],  # nose
        [0.08, 0.03, 1.65],
        [0.08, -0.03, 1.65],  # eyes
        [0.00, 0.07, 1.62],
        [0.00, -0.07, 1.62],  # ears
        [0.00, 0.18, 1.45],
        [0.00, -0.18, 1.45],  # shoulders
        [0.00, 0.20, 1.15],
        [0.00, -0.20, 1.15],  # elbows
        [0.00, 0.20, 0.88],
        [0.00, -0.20, 0.88],  # wrists
        [0.00, 0.10, 0.95],
        [0.00, -0.10, 0.95],  # hips
        [0.00, 0.10, 0.50],
        [0.00, -0.10, 0.50],  # knees
        [0.00, 0.10, 0.08],
        [0.00, -0.10, 0.08],  # ankles
    ]
)
FOCAL, CX, CY, CAMERA_HEIGHT = 800.0, 640.0, 360.0, 1.2
IMAGE_SIZE = (1280, 720)


def walk_3d(start, heading, n_frames: int, fps: float = 25.0, speed: float = 1.3) -> np.ndarray:
    """World joint positions [T, 17, 3] (X right, Y up, Z away from the camera)."""
    heading = np.asarray(heading, dtype=float)
    heading /= np.linalg.norm(heading)
    up = np.array([0.0, 1.0, 0.0])
    left = np.cross(up, heading)
    t = np.arange(n_frames) / fps
    swing = np.sin(2 * np.pi * 0.9 * t)  # ~0.9 strides per second
    out = np.empty((n_frames, NUM_JOINTS, 3))
    for i in range(n_frames):
        body = BODY.copy()
        body[[13, 15], 0] += np.array([0.22, 0.45]) * swing[i]  # left knee, ankle
        body[[14, 16], 0] -= np.array([0.22, 0.45]) * swing[i]
        body[[7, 9], 0] -= np.array([0.08, 0.2]) * swing[i]  # arms against the legs
        body[[8, 10], 0] += np.array([0.08, 0.2]) * swing[i]
        root = np.asarray(start, dtype=float) + heading * speed * t[i]
        out[i] = root + body[:, :1] * heading + body[:, 1:2] * left + body[:, 2:3] * up
    return out


def project(world: np.ndarray, conf: float = 0.9) -> np.ndarray:
    """Pinhole projection to pixel (x, y, confidence) [T, 17, 3]."""
    x = CX + FOCAL * world[..., 0] / world[..., 2]
    y = CY - FOCAL * (world[..., 1] - CAMERA_HEIGHT) / world[..., 2]
    return np.stack([x, y, np.full_like(x, conf)], axis=-1).astype(np.float32)


def walker_track(
    start=(-2.5, 0.0, 6.0),
    heading=(1.0, 0.0, 0.0),
    n_frames: int = 50,
    fps: float = 25.0,
    track_id: int = 0,
    first_frame: int = 0,
    noise_px: float = 0.0,
    seed: int = 0,
) -> PoseTrack:
    kp = project(walk_3d(start, heading, n_frames, fps))
    if noise_px:
        kp[..., :2] += np.random.default_rng(seed).normal(0, noise_px, kp[..., :2].shape)
    # confidences vary a little per joint so round trips check them for real
    kp[..., 2] = 0.5 + 0.45 * np.abs(np.sin(np.arange(n_frames)[:, None] + np.arange(17)))
    return PoseTrack(
        keypoints=kp,
        frame_indices=np.arange(first_frame, first_frame + n_frames),
        fps=fps,
        track_id=track_id,
        image_size=IMAGE_SIZE,
    )


# --- rendered videos --------------------------------------------------------------------------

SKIN, SHIRT, TROUSERS = (150, 180, 225), (60, 60, 170), (90, 60, 40)
HAIR, SHOES = (30, 30, 40), (20, 20, 20)
BACKGROUND, FLOOR = (200, 205, 210), (150, 160, 165)


def draw_person(img: np.ndarray, cx: float, top: float, height: float, swing: float = 0.0):
    """A filled cartoon person seen from the front (head with a face, shirt, arms, trousers,
    shoes): human enough for MediaPipe's detector, unlike a stick figure. swing in [-1, 1]
    moves the legs and arms apart as in a stride."""
    import cv2

    s = height / 8.0  # one head height
    aa = cv2.LINE_AA
    hx, hy = int(cx), int(top + s * 0.55)
    neck_y, sh_y = int(top + s * 1.15), int(top + s * 1.45)
    hip_y, knee_y, foot_y = int(top + s * 4.0), int(top + s * 6.0), int(top + s * 7.8)
    shoulder_w, hip_w, limb = s * 1.05, s * 0.6, max(2, int(s * 0.42))
    for side, sign in ((-1, 1), (1, -1)):
        hip = (int(cx + side * hip_w * 0.6), hip_y)
        knee = (int(cx + side * hip_w * 0.7 + sign * swing * s * 0.5), knee_y)
        foot = (int(cx + side * hip_w * 0.75 + sign * swing * s), foot_y)
        cv2.line(img, hip, knee, TROUSERS, limb + 4, aa)
        cv2.line(img, knee, foot, TROUSERS, limb + 2, aa)
        shoe_centre = (foot[0] + side * int(s * 0.15), foot[1])
        cv2.ellipse(img, shoe_centre, (int(s * 0.35), int(s * 0.15)), 0, 0, 360, SHOES, -1, aa)
    torso = np.array(
        [
            [cx - shoulder_w, sh_y],
            [cx + shoulder_w, sh_y],
            [cx + hip_w * 1.1, hip_y + s * 0.3],
            [cx - hip_w * 1.1, hip_y + s * 0.3],
        ],
        np.int32,
    )
    cv2.fillPoly(img, [torso], SHIRT, aa)
    cv2.rectangle(img, (int(cx - s * 0.2), neck_y - 2), (int(cx + s * 0.2), sh_y + 2), SKIN, -1)
    for side in (-1, 1):
        shoulder = (int(cx + side * shoulder_w * 0.95), sh_y + int(s * 0.2))
        elbow = (int(cx + side * shoulder_w * 1.15 + side * swing * s * 0.3), int(top + s * 2.9))
        wrist = (int(cx + side * shoulder_w * 1.2 + side * swing * s * 0.6), int(top + s * 4.0))
        cv2.line(img, shoulder, elbow, SHIRT, limb + 2, aa)
        cv2.line(img, elbow, wrist, SKIN, limb, aa)
        cv2.circle(img, wrist, int(s * 0.2), SKIN, -1, aa)
    cv2.ellipse(img, (hx, hy), (int(s * 0.42), int(s * 0.55)), 0, 0, 360, SKIN, -1, aa)
    hair_centre = (hx, hy - int(s * 0.25))
    cv2.ellipse(img, hair_centre, (int(s * 0.44), int(s * 0.35)), 0, 180, 360, HAIR, -1, aa)
    thin = max(1, int(s * 0.04))
    for side in (-1, 1):
        eye = (hx + side * int(s * 0.17), hy - int(s * 0.05))
        cv2.ellipse(img, eye, (int(s * 0.08), int(s * 0.04)), 0, 0, 360, (255, 255, 255), -1, aa)
        cv2.circle(img, eye, max(1, int(s * 0.035)), (40, 30, 20), -1, aa)
        brow = ((hx + side * int(s * 0.08), hy - int(s * 0.14)), (hx + side * int(s * 0.26), hy))
        cv2.line(img, brow[0], (brow[1][0], hy - int(s * 0.15)), HAIR, thin)
        cv2.circle(img, (hx + side * int(s * 0.42), hy), int(s * 0.09), SKIN, -1)
    cv2.line(img, (hx, hy), (hx - int(s * 0.03), hy + int(s * 0.15)), (110, 140, 190), thin)
    mouth = (hx, hy + int(s * 0.3))
    cv2.ellipse(img, mouth, (int(s * 0.13), int(s * 0.05)), 0, 0, 180, (80, 80, 170), thin, aa)


def render_video(
    path,
    people,
    n_frames: int = 30,
    fps: float = 15.0,
    size: tuple[int, int] = (320, 240),
    fourcc: str = "MJPG",
):
    """Write a video of cartoon people; people(i) -> [(cx, top, height, swing), ...]."""
    import cv2

    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f"OpenCV cannot write {fourcc} to {path}"
    for i in range(n_frames):
        img = np.empty((height, width, 3), np.uint8)
        img[:] = BACKGROUND
        img[int(height * 0.8) :] = FLOOR
        for cx, top, h, swing in people(i):
            draw_person(img, cx, top, h, swing)
        writer.write(img)
    writer.release()
    return path


def set_mp4_rotation(path, degrees: int) -> None:
    """Write a rotation into an MP4's track header matrix (what phones do for portrait video);
    OpenCV's writer cannot set it."""
    import struct

    with open(path, "rb") as handle:
        data = bytearray(handle.read())

    def find(path_boxes, start, end):
        i = start
        while i + 8 <= end:
            size, kind = struct.unpack(">I4s", data[i : i + 8])
            if kind.decode("latin1") == path_boxes[0]:
                if len(path_boxes) == 1:
                    return i
                return find(path_boxes[1:], i + 8, i + size)
            i += size
        raise AssertionError(f"box {path_boxes[0]} not found")

    tkhd = find(["moov", "trak", "tkhd"], 0, len(data))
    version = data[tkhd + 8]
    matrix_at = tkhd + 8 + 4 + (32 if version == 1 else 20) + 16
    one = 1 << 16
    cos, sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[degrees]
    matrix = (cos * one, sin * one, 0, -sin * one, cos * one, 0, 0, 0, 1 << 30)
    data[matrix_at : matrix_at + 36] = struct.pack(">9i", *matrix)
    with open(path, "wb") as handle:
        handle.write(data)


def standing_still(track: PoseTrack, frame: int, seed: int, jitter_px: float = 1.5) -> PoseTrack:
    """One pose of ``track`` held for 3 s, every joint seen, with detector jitter and a slow
    sway of the body."""
    rng = np.random.default_rng(seed)
    kp = np.repeat(track.keypoints[frame][None], 75, axis=0)
    kp[:, :, 2] = 0.9
    kp[:, :, :2] += rng.normal(0, jitter_px, (75, 17, 2))
    kp[:, :, :2] += np.cumsum(rng.normal(0, 0.3, (75, 1, 2)), axis=0)
    return PoseTrack(kp, np.arange(75), 25.0, track_id=99, image_size=track.image_size)
