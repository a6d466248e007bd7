"""Real labelled walks for training or fine-tuning, for users who hold the rights to them.

2D keypoint files (any format ``keypoints`` reads, or videos) under a folder, each file's person
named by a regular expression with a group ``subject`` searched in its file name. The project's
own real walks may never train the shipped weights (docs/MODEL_CARD.md); this is for a user's
model. 3D walks are projected to 2D first (through virtual cameras) and read the same way.
"""

from __future__ import annotations

import re
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


def real_walks(
    real: dict, *, fps: float, leg_swap_repair: bool
) -> tuple[list[list[np.ndarray]], dict]:
    """A config's ``real`` table -> normalised sequences per person, and what was read."""
    by_subject, skipped = labelled_tracks(real["keypoints"], real["pattern"])
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
