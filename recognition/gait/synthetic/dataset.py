"""Sets of synthetic walks: which people, which conditions and views, and writing them to disk.

People are identified by their seed. Training draws people from ``TRAIN_SUBJECTS`` and every
evaluation in this project draws them from ``EVAL_SUBJECT_BASE`` upwards, so a model is never
scored on a person it was trained on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognition.gait.synthetic.person import generate_person
from recognition.gait.synthetic.walker import CONDITIONS, walk
from recognition.gait.tracks import PoseTrack

TRAIN_SUBJECTS = range(0, 5_000_000)
EVAL_SUBJECT_BASE = 9_000_000
DEFAULT_VIEWS = (0, 18, 36, 54, 72, 90, 108, 126, 144, 162, 180)
FILE_PATTERN = r"(?P<subject>\d+)-(?P<condition>[a-z]+)-(?P<walk>\d+)-(?P<view>\d+)"


@dataclass(frozen=True)
class WalkSpec:
    subject: int
    condition: str
    walk_index: int
    view: float

    @property
    def name(self) -> str:
        """CASIA-B style name: subject-condition-walk-view."""
        return f"{self.subject:07d}-{self.condition}-{self.walk_index:02d}-{int(self.view):03d}"


def eval_subjects(n: int, offset: int = 0) -> list[int]:
    """Seeds of ``n`` evaluation people (never used for training)."""
    return list(range(EVAL_SUBJECT_BASE + offset, EVAL_SUBJECT_BASE + offset + n))


def walk_specs(
    subjects: Iterable[int],
    *,
    conditions: Iterable[str] = CONDITIONS,
    views: Iterable[float] = (90,),
    walks_per_condition: int = 1,
) -> list[WalkSpec]:
    return [
        WalkSpec(int(s), c, k + 1, float(v))
        for s in subjects
        for c in conditions
        for k in range(walks_per_condition)
        for v in views
    ]


def generate_walks(
    specs: Iterable[WalkSpec], *, seed: int = 0, **walk_kwargs
) -> Iterator[tuple[WalkSpec, PoseTrack]]:
    """Yield (spec, track) for each spec; deterministic from the specs and ``seed``."""
    people: dict[int, object] = {}
    for spec in specs:
        person = people.get(spec.subject)
        if person is None:
            person = people[spec.subject] = generate_person(spec.subject)
        walk_seed = seed * 1000 + spec.walk_index
        yield spec, walk(person, spec.condition, spec.view, seed=walk_seed, **walk_kwargs)


def save_npz(path: str | Path, track: PoseTrack) -> Path:
    """Write a track in the engine's NPZ layout (keypoints [T,17,3], fps, frame_indices)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        keypoints=track.keypoints.astype(np.float32),
        fps=np.float32(track.fps),
        frame_indices=track.frame_indices.astype(np.int64),
        image_size=np.asarray(track.image_size or (0, 0), dtype=np.int32),
    )
    return path


def load_npz(path: str | Path) -> PoseTrack:
    """Read a file written by :func:`save_npz` (the other engine half reads every format)."""
    with np.load(path) as data:
        size = tuple(int(v) for v in data["image_size"]) if "image_size" in data else None
        return PoseTrack(
            data["keypoints"],
            data["frame_indices"] if "frame_indices" in data else np.arange(len(data["keypoints"])),
            float(data["fps"]) if "fps" in data else 25.0,
            image_size=size if size and size[0] > 0 else None,
        )
