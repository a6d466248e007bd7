"""Real 3D walks seen through virtual door cameras: the keypoints a door camera's detector gives.

The real-walks set (../shared/data/real-walks, not in this repository: its licences allow
measuring, comparing designs and fitting the walker's statistics, never shipping weights trained
on it) holds Kinect v2 skeletons of real people in metres, COCO-17 order. This module

- reads it (:func:`load_real_walks`), one walk per physical walk by default (the kooksung set
  films each walk with 6 Kinects at once; those files are one walk, not six),
- splits its people into a fixed *fitting* half and *evaluation* half (:func:`split_subjects`),
- projects a walk through a pinhole camera at a view angle and distance and passes the perfect
  pixels through the synthetic detector model (synthetic/detector.py, fitted to MediaPipe on real
  clips) (:func:`project_walk`), so a 3D walk becomes the ``PoseTrack`` a door camera would give,
- lays out the benchmark protocol (:func:`gallery_and_probes`).

The real set's frame: y up, walking along +z, the walker's left on +x. The synthetic walker's
frame (synthetic/camera.py): x forward along the walk, y up, z to the walker's right; walks are
converted on loading, so the same cameras and view angles (90 = the camera sees the left side,
0 = the person walks towards the camera) mean the same for both.

Used by bench/bench_gait_real_walks.py and available to training code that holds the rights to
train on real walks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recognition.gait.skeleton import NUM_JOINTS
from recognition.gait.synthetic.camera import PinholeCamera, view_direction
from recognition.gait.synthetic.detector import LEG_SWAP_FRACTION, DetectorStyle, apply_detector
from recognition.gait.tracks import PoseTrack

# bump when a change to the projection or detector model changes what a walk projects to
PROJECTION_VERSION = 1
DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real-walks"
VIEWS = {"side": 90.0, "45deg": 45.0, "frontal": 0.0}
IMAGE_SIZE = (1280, 720)
FOCAL_PX = 1000.0
CAMERA_HEIGHT = (1.8, 2.6)  # metres: a camera above a door
MIN_LENS_DISTANCE = 2.0  # metres from the lens to the nearest point of the walk
NORMAL = "normal"
LIMP = "limp"
_CONDITIONS = {
    "normal": NORMAL,
    "abnormal_left_leg": LIMP,
    "abnormal_right_leg": LIMP,
    "old_age_experimental": "old_age",
}


@dataclass(frozen=True)
class RealWalk:
    subject: str
    trial: str  # unique per file
    walk_id: str  # one physical walk (several files when several sensors filmed it)
    source: str
    condition: str  # normal, limp (either leg) or old_age
    fps: float
    joints: np.ndarray = field(repr=False)  # [T, 17, 3] metres, synthetic frame (x forward)


def to_walker_frame(joints: np.ndarray) -> np.ndarray:
    """Real-walks frame (x left, y up, z forward) -> walker frame (x forward, y up, z right)."""
    j = np.asarray(joints, dtype=np.float64)
    return np.stack([j[..., 2], j[..., 1], -j[..., 0]], -1)


def load_real_walks(
    path: str | Path = DEFAULT_DATA, *, one_per_walk: bool = True
) -> list[RealWalk]:
    """The walks of ``walks.npz`` under ``path`` (a folder or the file), sorted by trial.

    ``one_per_walk``: keep one file per physical walk (the one with the most frames, then the
    first trial name), so simultaneous sensor views of one walk are never compared as if they
    were two walks.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "walks.npz"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no real-walks file")
    with np.load(path, allow_pickle=False) as npz:  # each npz[key] decompresses: read once
        d = {key: npz[key] for key in npz.files}
    offsets = d["offsets"]
    walks = [
        RealWalk(
            subject=str(d["subject"][i]),
            trial=str(d["trial"][i]),
            walk_id=str(d["walk_id"][i]),
            source=str(d["source"][i]),
            condition=_CONDITIONS.get(str(d["condition"][i]), str(d["condition"][i])),
            fps=float(d["fps"][i]),
            joints=to_walker_frame(d["joints"][offsets[i] : offsets[i + 1]]),
        )
        for i in range(len(offsets) - 1)
    ]
    walks.sort(key=lambda w: w.trial)
    if one_per_walk:
        best: dict[str, RealWalk] = {}
        for w in walks:
            if w.walk_id not in best or len(w.joints) > len(best[w.walk_id].joints):
                best[w.walk_id] = w
        walks = sorted(best.values(), key=lambda w: w.trial)
    return walks


def split_subjects(subjects: Iterable[str]) -> tuple[list[str], list[str]]:
    """(fitting half, evaluation half): every other person of each source in sorted order.

    A subject id is ``<source prefix>_<letters><number>`` (``ucal_s01``, ``kook_h01``); within
    each prefix, the 1st, 3rd, 5th ... person in sorted order fits, the others evaluate. Fixed,
    so every design is measured on the same people.
    """
    by_source: dict[str, list[str]] = {}
    for s in sorted(set(subjects)):
        by_source.setdefault(s.split("_")[0], []).append(s)
    fit, evaluate = [], []
    for people in by_source.values():
        fit += people[0::2]
        evaluate += people[1::2]
    return sorted(fit), sorted(evaluate)


def gallery_and_probes(
    walks: Sequence[RealWalk], per_person: int = 1
) -> tuple[list[int], list[int]]:
    """Indices of the gallery (each person's first ``per_person`` normal walks, fewer when they
    have fewer) and of the probes (every other walk of a person who has a gallery walk; the
    probe's condition says normal / limp / ...)."""
    gallery: dict[str, list[int]] = {}
    for i, w in enumerate(walks):
        if w.condition == NORMAL and len(gallery.setdefault(w.subject, [])) < per_person:
            gallery[w.subject].append(i)
    chosen = {i for items in gallery.values() for i in items}
    probes = [i for i, w in enumerate(walks) if gallery.get(w.subject) and i not in chosen]
    return sorted(chosen), probes


def walk_seed(trial: str, view: float, distance: float | None, seed: int) -> list[int]:
    """A reproducible seed for one projection of one walk (stable across runs and machines)."""
    digest = hashlib.sha256(f"{trial}|{view:.2f}|{distance}|{seed}".encode()).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


def door_detector(rng: np.random.Generator, view_deg: float) -> DetectorStyle:
    """A MediaPipe-like detector for one walk: jitter, drift and bias near the fitted levels,
    occasional leg-label swaps in side views, sparse dropouts and short runs of missing joints."""
    sideways = abs(np.sin(np.deg2rad(view_deg)))
    return DetectorStyle(
        jitter_scale=float(np.exp(rng.uniform(np.log(0.8), np.log(1.25)))),
        drift_scale=float(rng.uniform(0.4, 0.8)),
        bias_sd=float(rng.uniform(0.002, 0.006)),
        swap_fraction=float(rng.uniform(*LEG_SWAP_FRACTION) * sideways * (rng.random() < 0.5)),
        dropout=float(rng.uniform(0.0, 0.01)),
        burst_rate=float(rng.uniform(0.0, 0.002)),
        confidence="visibility",
        occluded_scale=float(rng.uniform(0.5, 1.0)),
    )


def project_walk(
    walk: RealWalk | np.ndarray,
    view: float,
    *,
    distance: float | tuple[float, float] = (3.0, 8.0),
    seed: int = 0,
    fps: float | None = None,
    focal: float = FOCAL_PX,
    image_size: tuple[int, int] = IMAGE_SIZE,
    camera_height: float | tuple[float, float] = CAMERA_HEIGHT,
    view_jitter: float = 3.0,
    noise: bool = True,
) -> PoseTrack:
    """One 3D walk through a door camera at ``view`` degrees, as a pose detector reports it.

    ``distance``: metres from the camera to the middle of the walk (a pair: drawn uniformly per
    walk); the camera moves back until the walk stays ``MIN_LENS_DISTANCE`` from the lens. The
    camera aims at the middle of the walk at hip height. Joints outside the image are reported
    missing (confidence 0), and frames where the detector would lose the person (over half the
    joints outside) are dropped. ``noise=False``: perfect projections. Deterministic from the
    walk's trial name, view, distance and ``seed``.
    """
    if isinstance(walk, RealWalk):
        joints, rate, name = walk.joints, walk.fps, walk.trial
    else:
        joints, rate, name = np.asarray(walk, dtype=np.float64), float(fps or 30.0), "array"
    rng = np.random.default_rng(walk_seed(name, float(view), distance, seed))

    def draw(x):
        return float(rng.uniform(*x)) if isinstance(x, tuple) else float(x)

    d = draw(distance)
    height = draw(camera_height)
    view_actual = float(view) + float(rng.normal(0.0, view_jitter))
    pelvis = joints[:, 11:13].mean(1)
    centre = (pelvis[0] + pelvis[-1]) / 2
    direction = view_direction(view_actual)
    path = pelvis[:, [0, 2]]
    while True:
        cam_xz = centre[[0, 2]] + d * direction[[0, 2]]
        if np.min(np.linalg.norm(path - cam_xz, axis=1)) >= MIN_LENS_DISTANCE:
            break
        d += 0.25
    position = np.array([cam_xz[0], height, cam_xz[1]])
    target = np.array([centre[0], float(np.median(pelvis[:, 1])), centre[2]])
    camera = PinholeCamera.look_at(position, target, focal, image_size)
    uv, depth = camera.project(joints)
    n = len(joints)
    if noise:
        style = door_detector(rng, view_actual)
        width = float(np.median(np.linalg.norm(joints[:, 5] - joints[:, 6], axis=-1)))
        keypoints = apply_detector(uv, depth, rng, style, body_width=max(width, 0.2))
    else:
        keypoints = np.concatenate([uv, np.ones((n, NUM_JOINTS, 1))], -1).astype(np.float32)
    w, h = image_size
    outside = (uv[..., 0] < 0) | (uv[..., 0] >= w) | (uv[..., 1] < 0) | (uv[..., 1] >= h)
    keypoints[outside] = 0.0
    keep = outside.mean(1) <= 0.5
    meta = {"subject": name, "view": float(view), "distance": round(d, 2), "camera_height": height}
    if not keep.any():
        raise ValueError(f"{name}: the walk never enters a {w}x{h} image from {d:.1f} m")
    return PoseTrack(
        keypoints[keep], np.flatnonzero(keep), rate, image_size=tuple(image_size), meta=meta
    )
