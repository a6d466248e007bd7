"""Following people across frames: per-frame detections -> one PoseTrack per person.

Association is frame by frame: each open track predicts where its person is now (constant
velocity of the keypoint box), the similarity to every new detection is the mean of the box IoU
and the OKS of the keypoints, and scipy's Hungarian solver picks the best one-to-one matching.
A track survives short gaps (occlusion, a missed detection) and tracks that stay very short are
dropped as noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from recognition.gait.errors import NoPersonFoundError
from recognition.gait.tracks import PoseTrack

# COCO keypoint sigmas (per joint localisation spread), used by OKS.
COCO_SIGMAS = np.array(
    [0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107,
     0.107, 0.087, 0.087, 0.089, 0.089]
)  # fmt: skip
MIN_JOINTS_FOR_MATCHING = 3


def keypoint_box(kp: np.ndarray, min_conf: float = 0.05, pad: float = 0.1) -> np.ndarray | None:
    """[x0, y0, x1, y1] around the confident joints, padded by pad x the box height.

    Keypoint boxes are tight (a side view is narrow), so padding keeps the IoU of the same person
    in consecutive frames high."""
    visible = kp[:, 2] > min_conf
    if visible.sum() < 2:
        return None
    (x0, y0), (x1, y1) = kp[visible, :2].min(axis=0), kp[visible, :2].max(axis=0)
    margin = pad * max(y1 - y0, x1 - x0, 1.0)
    return np.array([x0 - margin, y0 - margin, x1 + margin, y1 + margin], dtype=np.float64)


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def object_keypoint_similarity(a: np.ndarray, b: np.ndarray, min_conf: float = 0.05) -> float:
    """COCO OKS between two [17, 3] poses over the joints both see; scale from a's box."""
    both = (a[:, 2] > min_conf) & (b[:, 2] > min_conf)
    box = keypoint_box(a, min_conf, pad=0.0)
    if not both.any() or box is None:
        return 0.0
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1.0)
    d2 = ((a[both, :2] - b[both, :2]) ** 2).sum(axis=1)
    k2 = (2 * COCO_SIGMAS[both]) ** 2
    return float(np.mean(np.exp(-d2 / (2 * area * k2))))


@dataclass
class _OpenTrack:
    frames: list[int] = field(default_factory=list)
    poses: list[np.ndarray] = field(default_factory=list)
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))

    def predicted(self, frame: int) -> np.ndarray:
        pose = self.poses[-1].copy()
        pose[:, :2] += self.velocity * (frame - self.frames[-1])
        return pose

    def add(self, frame: int, pose: np.ndarray) -> None:
        if self.frames:
            last_box = keypoint_box(self.poses[-1])
            box = keypoint_box(pose)
            if last_box is not None and box is not None:
                step = ((box[:2] + box[2:]) - (last_box[:2] + last_box[2:])) / 2
                step /= frame - self.frames[-1]
                # smoothed so one jittery detection does not throw the prediction off
                self.velocity = 0.5 * self.velocity + 0.5 * step if len(self.frames) > 1 else step
        self.frames.append(frame)
        self.poses.append(pose)


def _usable(pose: np.ndarray, min_conf: float) -> bool:
    return int((pose[:, 2] > min_conf).sum()) >= MIN_JOINTS_FOR_MATCHING


def _without_duplicates(poses: list[np.ndarray], max_oks: float) -> list[np.ndarray]:
    """Drop a detection that is nearly the same pose as a more confident one in the frame."""
    order = sorted(range(len(poses)), key=lambda i: -float(poses[i][:, 2].mean()))
    kept: list[np.ndarray] = []
    for i in order:
        if all(object_keypoint_similarity(k, poses[i]) < max_oks for k in kept):
            kept.append(poses[i])
    return kept


def track_detections(
    per_frame: Sequence[Sequence[np.ndarray]],
    fps: float,
    *,
    frame_indices: Sequence[int] | None = None,
    max_gap: int | None = None,
    min_length: int | None = None,
    min_similarity: float = 0.2,
    min_joint_conf: float = 0.2,
    duplicate_oks: float = 0.9,
    image_size: tuple[int, int] | None = None,
) -> list[PoseTrack]:
    """Associate per-frame detections ([17, 3] COCO-17 arrays) into tracks.

    per_frame[i] holds the detections of frame frame_indices[i] (default: i). A track is kept
    open for max_gap frames without a detection (default: half a second) and tracks with fewer
    than min_length detections are dropped (default: a quarter of a second, at least 3).
    Detections with fewer than 3 joints above min_joint_conf are ignored. Tracks are returned in
    order of first appearance with track_id 0, 1, ...; their frame_indices skip the gaps.
    """
    frames = list(range(len(per_frame))) if frame_indices is None else list(frame_indices)
    if len(frames) != len(per_frame):
        raise ValueError("frame_indices must have one entry per frame of detections")
    max_gap = round(0.5 * fps) if max_gap is None else max_gap
    min_length = max(3, round(0.25 * fps)) if min_length is None else min_length

    open_tracks: list[_OpenTrack] = []
    closed: list[_OpenTrack] = []
    for frame, detections in zip(frames, per_frame, strict=True):
        poses = [np.asarray(p, dtype=np.float32) for p in detections]
        poses = [p for p in poses if _usable(p, min_joint_conf)]
        poses = _without_duplicates(poses, duplicate_oks)

        still_open = []
        for track in open_tracks:
            (still_open if frame - track.frames[-1] <= max_gap + 1 else closed).append(track)
        open_tracks = still_open

        matched: set[int] = set()
        if open_tracks and poses:
            similarity = np.zeros((len(open_tracks), len(poses)))
            for i, track in enumerate(open_tracks):
                guess = track.predicted(frame)
                guess_box = keypoint_box(guess)
                for j, pose in enumerate(poses):
                    box = keypoint_box(pose)
                    iou = (
                        box_iou(guess_box, box) if guess_box is not None and box is not None else 0
                    )
                    similarity[i, j] = 0.5 * iou + 0.5 * object_keypoint_similarity(guess, pose)
            rows, cols = linear_sum_assignment(-similarity)
            for i, j in zip(rows, cols, strict=True):
                if similarity[i, j] >= min_similarity:
                    open_tracks[i].add(frame, poses[j])
                    matched.add(j)
        for j, pose in enumerate(poses):
            if j not in matched:
                track = _OpenTrack()
                track.add(frame, pose)
                open_tracks.append(track)

    finished = sorted(closed + open_tracks, key=lambda t: t.frames[0])
    return [
        PoseTrack(
            keypoints=np.stack(t.poses),
            frame_indices=np.asarray(t.frames),
            fps=fps,
            track_id=track_id,
            image_size=image_size,
        )
        for track_id, t in enumerate(x for x in finished if len(x.frames) >= min_length)
    ]


def track_quality(track: PoseTrack, min_conf: float = 0.3, min_joints: int = 8) -> int:
    """Number of frames in which at least min_joints joints are confidently detected."""
    if len(track) == 0:
        return 0
    return int(((track.keypoints[:, :, 2] >= min_conf).sum(axis=1) >= min_joints).sum())


def main_walker(tracks: Sequence[PoseTrack], *, min_conf: float = 0.3) -> PoseTrack:
    """The walker a clip is about: the track with the most well-detected frames (ties: the
    larger person, who is nearer the camera). Raises NoPersonFoundError when there is none."""
    scored = [(track_quality(t, min_conf), _mean_height(t), t) for t in tracks]
    scored = [s for s in scored if s[0] > 0]
    if not scored:
        raise NoPersonFoundError(
            "no person found: no track has a frame with at least 8 confidently detected joints"
        )
    return max(scored, key=lambda s: (s[0], s[1]))[2]


def _mean_height(track: PoseTrack) -> float:
    heights = [b[3] - b[1] for b in map(keypoint_box, track.keypoints) if b is not None]
    return float(np.mean(heights)) if heights else 0.0
