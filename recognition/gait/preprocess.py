"""Cleaning a keypoint sequence and telling which way the person walks.

fill_gaps bridges short dropouts of single joints, smooth removes detector jitter without
touching undetected joints, repair_leg_swaps undoes a detector's brief left/right leg label
swaps, walking_direction says whether someone crosses the view or walks toward/away from the
camera (attendance uses it to tell entering from leaving).
"""

from __future__ import annotations

import enum

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import savgol_filter
from scipy.stats import theilslopes

from recognition.gait.skeleton import JOINT_INDEX
from recognition.gait.tracks import PoseTrack


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of every run of True in a 1-D boolean array."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def fill_gaps(keypoints: np.ndarray, max_gap: int, *, min_conf: float = 0.3) -> np.ndarray:
    """Linearly interpolate joints whose confidence is below min_conf for at most max_gap
    consecutive frames between two confident detections of that joint.

    keypoints: [T, 17, 3]. A filled joint gets the lower confidence of the two detections that
    bound the gap; longer gaps and gaps at either end are left as they are. Returns a new array.
    """
    out = np.array(keypoints, dtype=np.float32, copy=True)
    if out.ndim != 3 or out.shape[2] != 3:
        raise ValueError(f"keypoints must be [T, J, 3], got {out.shape}")
    for j in range(out.shape[1]):
        low = out[:, j, 2] < min_conf
        for start, stop in _runs(low):
            if start == 0 or stop == len(out) or stop - start > max_gap:
                continue
            before, after = out[start - 1, j], out[stop, j]
            w = (np.arange(start, stop) - (start - 1)) / (stop - (start - 1))
            out[start:stop, j, :2] = before[:2] + w[:, None] * (after[:2] - before[:2])
            out[start:stop, j, 2] = min(before[2], after[2])
    return out


def smooth(
    keypoints: np.ndarray, *, window: int = 7, polyorder: int = 2, min_conf: float = 0.3
) -> np.ndarray:
    """Savitzky-Golay smoothing of x, y over time, per joint and per run of confident frames.

    Only runs of at least `window` consecutive frames with confidence >= min_conf are smoothed,
    so undetected joints never pull detected ones, and a run is never smoothed across a gap.
    Savitzky-Golay keeps the extremes of the gait cycle (foot strikes) better than a moving
    average. Confidences are unchanged. Returns a new array.
    """
    if window % 2 == 0 or window <= polyorder:
        raise ValueError("window must be odd and larger than polyorder")
    out = np.array(keypoints, dtype=np.float32, copy=True)
    for j in range(out.shape[1]):
        for start, stop in _runs(out[:, j, 2] >= min_conf):
            if stop - start >= window:
                out[start:stop, j, :2] = savgol_filter(
                    out[start:stop, j, :2], window, polyorder, axis=0
                )
    return out


LEG_PAIRS = (
    (JOINT_INDEX["left_knee"], JOINT_INDEX["right_knee"]),
    (JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"]),
)


def _running_median(xy: np.ndarray, half: int) -> np.ndarray:
    """Per-coordinate running median of [T, 2] over 2 * half + 1 frames (edges repeated)."""
    return median_filter(xy, size=(2 * half + 1, 1), mode="nearest")


def leg_swap_frames(
    left: np.ndarray, right: np.ndarray, *, half_window: int = 4, passes: int = 2
) -> np.ndarray:
    """Frames [T] bool where the labels of a left/right joint pair look swapped.

    Each joint is compared with the running median of its own track: while labels are swapped
    in fewer than half the frames of a window, the median follows the true joint (for a foot
    moving steadily in one direction the median is the middle frame's position itself, so it
    does not lag). A frame is swapped when exchanging the two labels brings both closer to those
    references. A second pass re-takes the medians on the repaired tracks, which catches swaps
    that came in clusters.
    """
    a = np.array(left, dtype=np.float64)[:, :2]
    b = np.array(right, dtype=np.float64)[:, :2]
    swapped = np.zeros(len(a), bool)
    if len(a) < 3:
        return swapped
    for _ in range(passes):
        ref_a, ref_b = _running_median(a, half_window), _running_median(b, half_window)
        keep = np.linalg.norm(a - ref_a, axis=1) + np.linalg.norm(b - ref_b, axis=1)
        cross = np.linalg.norm(a - ref_b, axis=1) + np.linalg.norm(b - ref_a, axis=1)
        flip = cross < keep
        if not flip.any():
            break
        a[flip], b[flip] = b[flip].copy(), a[flip].copy()
        swapped ^= flip
    return swapped


def swapped_leg_frames(keypoints: np.ndarray, *, fps: float, window_s: float = 0.36) -> np.ndarray:
    """[len(LEG_PAIRS), T] bool: frames where each pair (knees, ankles) looks swapped.

    Each pair is judged on its own with leg_swap_frames over a window of ``window_s`` seconds
    (9 frames at 25 fps). Expects joints without holes (fill_missing first).
    """
    kp = np.asarray(keypoints)
    if kp.ndim != 3 or kp.shape[2] < 2:
        raise ValueError(f"keypoints must be [T, J, 2|3], got {kp.shape}")
    half = max(1, round(window_s * fps / 2))
    return np.stack([leg_swap_frames(kp[:, a], kp[:, b], half_window=half) for a, b in LEG_PAIRS])


def repair_leg_swaps(keypoints: np.ndarray, *, fps: float, window_s: float = 0.36) -> np.ndarray:
    """Undo brief left/right swaps of the knee and ankle labels; returns a new [T, 17, 3] array.

    2D detectors confuse the two legs when one hides the other: MediaPipe swapped the knee and
    ankle labels in 3-9 % of the frames of real side-view walks (see synthetic/detector.py).
    Such a swap sends both joints across the body for a frame or a few, which the network reads
    as a different gait. The frames come from swapped_leg_frames; confidences travel with their
    joints.
    """
    out = np.array(keypoints, dtype=np.float32, copy=True)
    swapped = swapped_leg_frames(out, fps=fps, window_s=window_s)
    for (a, b), frames in zip(LEG_PAIRS, swapped, strict=True):
        out[frames, a], out[frames, b] = out[frames, b].copy(), out[frames, a].copy()
    return out


class Direction(enum.Enum):
    LEFT_TO_RIGHT = "left_to_right"  # in the image: x increases
    RIGHT_TO_LEFT = "right_to_left"
    TOWARD = "toward"  # toward the camera: the person grows
    AWAY = "away"
    UNKNOWN = "unknown"


_HIPS = (JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"])
_SHOULDERS = (JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"])
_ANKLES = (JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"])


def leg_motion(track: PoseTrack, *, min_conf: float = 0.3) -> float | None:
    """How much the feet move relative to each other, against how much the hips and shoulders
    do: the spread over time of the ankle-to-ankle vector divided by the mean spread of the
    hip-to-hip and shoulder-to-shoulder vectors.

    Walking swings the feet past each other every step while hips and shoulders keep their
    width; standing or seated, all of them move only by the detector's jitter and sway, so the
    ratio is about 1 (people standing with 1.5-3 px of jitter: at most 1.2; synthetic walks from
    the side: 3 and more, but head-on or from behind some fall near 1, which is why the pipeline
    also asks whether the person goes anywhere). None when fewer than 10 frames have ankles,
    hips and shoulders confident.
    """
    kp = track.keypoints
    if len(kp) < 10:
        return None
    ok = (kp[:, list(_ANKLES + _HIPS + _SHOULDERS), 2] >= min_conf).all(axis=1)
    if ok.sum() < 10:
        return None

    def spread(pair: tuple[int, int]) -> float:
        between = kp[ok, pair[0], :2] - kp[ok, pair[1], :2]
        return float(np.sqrt(between.var(axis=0).sum()))

    rigid = (spread(_HIPS) + spread(_SHOULDERS)) / 2
    return spread(_ANKLES) / max(rigid, 1e-6)


def displacement(track: PoseTrack, *, min_conf: float = 0.3) -> tuple[float, float] | None:
    """(lateral, log_scale): how far the person travels across the image, in torso lengths, and
    the log of how much their torso grows (toward the camera: > 0), from robust (Theil-Sen) line
    fits over the frames where hips and shoulders are confident; None when under 3 such frames.

    Lateral motion is the change of (hip x - image centre) / torso length: a person walking
    straight at the camera but off to one side drifts outwards in pixels, yet keeps the same
    offset in torso lengths, so this separates crossing from approaching.
    """
    kp = track.keypoints
    if len(kp) < 3:
        return None
    hips, shoulders = kp[:, _HIPS], kp[:, _SHOULDERS]
    ok = (hips[:, :, 2] >= min_conf).all(axis=1) & (shoulders[:, :, 2] >= min_conf).all(axis=1)
    if ok.sum() < 3:
        return None
    hip_centre = hips[ok, :, :2].mean(axis=1)
    torso = np.linalg.norm(shoulders[ok, :, :2].mean(axis=1) - hip_centre, axis=1)
    if (torso <= 1e-3).any():
        return None
    t = track.frame_indices[ok].astype(np.float64)
    span = t[-1] - t[0]
    if span <= 0:
        return None
    centre_x = track.image_size[0] / 2 if track.image_size else float(np.median(hip_centre[:, 0]))
    offset = (hip_centre[:, 0] - centre_x) / torso
    lateral = theilslopes(offset, t)[0] * span
    log_scale = theilslopes(np.log(torso), t)[0] * span
    return float(lateral), float(log_scale)


def walking_direction(
    track: PoseTrack,
    *,
    min_conf: float = 0.3,
    min_lateral: float = 1.5,
    min_scale_change: float = 1.25,
) -> Direction:
    """Which way the person walks, from ``displacement`` (robust line fits, so jitter and a few
    bad detections do not decide). A crossing must cover min_lateral torso lengths, an approach
    must change the apparent size by min_scale_change; the larger of the two (relative to its
    threshold) wins, and when neither is reached the answer is UNKNOWN.
    """
    moved = displacement(track, min_conf=min_conf)
    if moved is None:
        return Direction.UNKNOWN
    lateral, log_scale = moved
    lateral_score = abs(lateral) / min_lateral
    radial_score = abs(log_scale) / np.log(min_scale_change)
    if max(lateral_score, radial_score) < 1.0:
        return Direction.UNKNOWN
    if lateral_score >= radial_score:
        return Direction.LEFT_TO_RIGHT if lateral > 0 else Direction.RIGHT_TO_LEFT
    return Direction.TOWARD if log_scale > 0 else Direction.AWAY
