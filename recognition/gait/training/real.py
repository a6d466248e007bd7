"""Real labelled walks for training or fine-tuning, for users who hold the rights to them.

2D keypoint files (any format ``keypoints`` reads, or videos) under a folder, each file's person
named by a regular expression with a group ``subject`` searched in its file name. The project's
own real walks may never train the shipped weights (docs/MODEL_CARD.md); this is for a user's
model. 3D walks (a real-walks ``walks.npz``) are projected to 2D through virtual door cameras
(``recognition.gait.realwalks.project_walk``: views, distances and a detector's noise), each
(walk, view) a labelled walk; by default only the fitting half of their people
(``realwalks.split_subjects``), so the real-walk benchmark's evaluation half stays unseen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from recognition.gait.normalize import normalize_track
from recognition.gait.tracks import PoseTrack


def labelled_tracks(
    directory: str | Path, pattern: str
) -> tuple[dict[str, list[PoseTrack]], list[dict]]:
    """({subject: [main walker of each of their files]}, [{"file", "error"} not read])."""
    from recognition.gait.pipeline import load_walker

    regex = re.compile(pattern)
    if "subject" not in regex.groupindex:
        raise ValueError(f"pattern {pattern!r} needs a named group 'subject'")
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory}: no such folder of labelled walks")
    by_subject: dict[str, list[PoseTrack]] = {}
    skipped: list[dict] = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        m = regex.search(path.name)
        if m is None:
            continue
        try:
            track = load_walker(path)
        except (ValueError, OSError) as exc:  # GaitInputError is a ValueError
            skipped.append({"file": str(path), "error": str(exc)})
            continue
        by_subject.setdefault(m.group("subject"), []).append(track)
    if not by_subject:
        raise ValueError(f"no readable file in {directory} matches {pattern!r}")
    return by_subject, skipped


DEFAULT_VIEWS = (90.0, 45.0, 0.0)
SUBJECT_SETS = ("fit", "all")


def projected_tracks(
    path: str | Path,
    *,
    views: Sequence[float] = DEFAULT_VIEWS,
    subjects: str = "fit",
    seed: int = 0,
) -> tuple[dict[str, list[PoseTrack]], list[dict]]:
    """({subject: [one track per walk and view]}, [walks a camera could not see]) from 3D walks."""
    from recognition.gait.realwalks import load_real_walks, project_walk, split_subjects

    if subjects not in SUBJECT_SETS:
        raise ValueError(f"subjects must be one of {SUBJECT_SETS}, got {subjects!r}")
    try:
        walks = load_real_walks(path)
    except FileNotFoundError as exc:
        raise ValueError(str(exc)) from None
    if subjects == "fit":
        keep = set(split_subjects(w.subject for w in walks)[0])
        walks = [w for w in walks if w.subject in keep]
    by_subject: dict[str, list[PoseTrack]] = {}
    skipped: list[dict] = []
    for walk in walks:
        for view in views:
            try:
                track = project_walk(walk, float(view), seed=seed)
            except ValueError as exc:
                skipped.append({"file": f"{walk.trial}@{view:g}", "error": str(exc)})
                continue
            by_subject.setdefault(walk.subject, []).append(track)
    if not by_subject:
        raise ValueError(f"no walk in {path} could be projected")
    return by_subject, skipped


def real_tracks(real: Mapping) -> tuple[dict[str, list[PoseTrack]], list[dict]]:
    """A config's ``real`` table -> labelled tracks: 2D files (``keypoints``, ``pattern``) and/or
    3D walks (``walks3d``, optional ``views``, ``subjects``: "fit" (default) or "all")."""
    unknown = sorted(set(real) - {"keypoints", "pattern", "walks3d", "views", "subjects"})
    if unknown:
        raise ValueError(f"unknown [real] keys {', '.join(unknown)}")
    by_subject: dict[str, list[PoseTrack]] = {}
    skipped: list[dict] = []
    if real.get("keypoints"):
        tracks, skipped = labelled_tracks(real["keypoints"], real.get("pattern", ""))
        by_subject.update(tracks)
    if real.get("walks3d"):
        tracks, more = projected_tracks(
            real["walks3d"],
            views=real.get("views", DEFAULT_VIEWS),
            subjects=real.get("subjects", "fit"),
        )
        skipped += more
        for subject, items in tracks.items():
            by_subject.setdefault(f"3d:{subject}", []).extend(items)
    if not by_subject:
        raise ValueError("the [real] table names no keypoints folder and no walks3d file")
    return by_subject, skipped


def real_walks(
    real: Mapping, *, fps: float, leg_swap_repair: bool
) -> tuple[list[list[np.ndarray]], dict]:
    """A config's ``real`` table -> normalised sequences per person, and what was read."""
    by_subject, skipped = real_tracks(real)
    walks = [
        [
            normalize_track(t, fps=fps, leg_swap_repair=leg_swap_repair).astype(np.float32)
            for t in by_subject[s]
        ]
        for s in sorted(by_subject)
    ]
    summary = {
        "people": len(walks),
        "walks": sum(len(w) for w in walks),
        "skipped": len(skipped),
    }
    return walks, summary
