"""The shipped model loads, carries its metadata, and separates unseen synthetic people."""

from __future__ import annotations

import numpy as np

from recognition.gait.checkpoint import DEFAULT_MODEL_PATH, default_threshold, load_checkpoint
from recognition.gait.embedding import GaitEmbedder
from recognition.gait.skeleton import COCO17_JOINTS
from recognition.gait.synthetic import eval_subjects, generate_person, walk


def test_default_model_file_and_metadata():
    assert DEFAULT_MODEL_PATH.stat().st_size < 5 * 1024 * 1024
    ckpt = load_checkpoint(DEFAULT_MODEL_PATH)
    assert tuple(ckpt["joints"]) == COCO17_JOINTS
    assert ckpt["engine_version"] and ckpt["model_version"]
    assert 0.0 < default_threshold() < 1.0
    assert ckpt["threshold"]["far_target"] == 0.01


def test_default_model_separates_unseen_people():
    embedder = GaitEmbedder.from_checkpoint()
    people = eval_subjects(6, offset=500)
    gallery, probes = [], []
    for s in people:
        person = generate_person(s)
        gallery.append(walk(person, "nm", 90, seed=1))
        probes.append(walk(person, "nm", 90, seed=2))
    g = embedder.embed_batch(gallery)
    p = embedder.embed_batch(probes)
    scores = p @ g.T
    assert np.mean(scores.argmax(1) == np.arange(len(people))) >= 5 / 6
    genuine = np.diag(scores)
    impostor = scores[~np.eye(len(people), dtype=bool)]
    assert genuine.mean() > impostor.mean() + 0.2
