"""Hand-crafted gait features: the static shape and posture of a walk, and their spread.

Per joint, the mean and the standard deviation over time of its position relative to the hip
centre, in torso lengths (68 numbers). No speed: how fast someone walks changes from one walk to
the next and with what they carry. On real people these simple statistics identify about as well
as the synthetic-trained network (docs/PERFORMANCE.md, real-walk benchmark), so they are
measured beside it and can be fused with its embedding (:func:`fuse`).

The track is normalised exactly as the network's input (normalize.normalize_track: confident
joints, filled gaps, resampled, neck-centred) and mirrored when the person crosses the image
right to left, so a walk and its mirror image give the same features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognition.gait.augment import mirror
from recognition.gait.normalize import MIN_CONFIDENCE, MODEL_FPS, normalize_track
from recognition.gait.tracks import PoseTrack

FEATURE_DIM = 68
FEATURES_VERSION = 1  # bump when the features change
_HIPS = [11, 12]
_SHOULDERS = [5, 6]


def crosses_leftwards(track: PoseTrack, min_torsos: float = 1.0) -> bool:
    """Does the person move right to left in the image by at least ``min_torsos`` torso lengths?"""
    kp = track.keypoints
    ok = (kp[:, _HIPS + _SHOULDERS, 2] > MIN_CONFIDENCE).all(1)
    if ok.sum() < 2:
        return False
    hips = kp[ok][:, _HIPS, :2].mean(1)
    torso = np.median(np.linalg.norm(kp[ok][:, _SHOULDERS, :2].mean(1) - hips, axis=1))
    quarter = max(1, len(hips) // 4)
    dx = np.median(hips[-quarter:, 0]) - np.median(hips[:quarter, 0])
    return bool(dx < -min_torsos * max(torso, 1e-6))


def features(track: PoseTrack, *, fps: float = MODEL_FPS) -> np.ndarray:
    """float32 [68]: per joint (x, y) mean then (x, y) standard deviation, hip-centred, in torso
    lengths, for a walk crossing left to right (a leftward walk is mirrored first)."""
    seq = normalize_track(track, fps=fps, min_confidence=MIN_CONFIDENCE, leg_swap_repair=True)
    if crosses_leftwards(track):
        seq = mirror(seq)
    xy = seq[..., :2].astype(np.float64)
    hips = xy[:, _HIPS].mean(1, keepdims=True)
    torso = np.median(np.linalg.norm(xy[:, _SHOULDERS].mean(1) - hips[:, 0], axis=1))
    rel = (xy - hips) / max(float(torso), 1e-6)
    return np.concatenate([rel.mean(0).ravel(), rel.std(0).ravel()]).astype(np.float32)


@dataclass(frozen=True)
class Standardizer:
    """z-scores features with a fixed mean and spread (fitted once on a reference set of walks)."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, feats: np.ndarray) -> Standardizer:
        feats = np.asarray(feats, dtype=np.float64)
        return cls(feats.mean(0), np.maximum(feats.std(0), 1e-6))

    def __call__(self, feats: np.ndarray) -> np.ndarray:
        return ((np.asarray(feats, dtype=np.float64) - self.mean) / self.std).astype(np.float32)

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Standardizer:
        return cls(np.asarray(d["mean"], dtype=np.float64), np.asarray(d["std"], dtype=np.float64))


def unit_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def fuse(embeddings: np.ndarray, zscored: np.ndarray, weight: float) -> np.ndarray:
    """Unit rows whose cosine is ``(1 - weight) * cos(embeddings) + weight * cos(features)``."""
    a = np.sqrt(1.0 - weight) * unit_rows(embeddings)
    b = np.sqrt(weight) * unit_rows(zscored)
    return np.concatenate([a, b], -1).astype(np.float32)
