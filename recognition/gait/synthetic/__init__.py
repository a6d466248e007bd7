"""Synthetic walkers: people who walk differently, filmed from any view, seen by a noisy detector.

>>> from recognition.gait.synthetic import generate_person, walk
>>> track = walk(generate_person(7), "bg", 90, seed=1)   # a PoseTrack, pixel keypoints

See person.py (who), curves.py and kinematics.py (how they move), walker.py (conditions,
camera), detector.py (what a pose detector makes of it) and render.py (stick-figure videos).
"""

from recognition.gait.synthetic.dataset import (
    DEFAULT_VIEWS,
    EVAL_SUBJECT_BASE,
    FILE_PATTERN,
    WalkSpec,
    eval_subjects,
    generate_walks,
    load_npz,
    save_npz,
    walk_specs,
)
from recognition.gait.synthetic.person import Person, generate_person
from recognition.gait.synthetic.render import render_frames, render_video
from recognition.gait.synthetic.walker import CONDITIONS, walk

__all__ = [
    "CONDITIONS",
    "DEFAULT_VIEWS",
    "EVAL_SUBJECT_BASE",
    "FILE_PATTERN",
    "Person",
    "WalkSpec",
    "eval_subjects",
    "generate_person",
    "generate_walks",
    "load_npz",
    "render_frames",
    "render_video",
    "save_npz",
    "walk",
    "walk_specs",
]
