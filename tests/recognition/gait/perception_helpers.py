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
