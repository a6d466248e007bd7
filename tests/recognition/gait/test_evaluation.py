"""Evaluation metrics on hand-made scores whose answers follow from first principles."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.gait.evaluation import (
    equal_error_rate,
    evaluate_embeddings,
    evaluate_folder,
    open_set_identification,
    rank_k,
    subject_scores,
    subject_templates,
    tar_at_far,
    threshold_at_far,
)


def _unit(angles_deg):
    a = np.deg2rad(np.asarray(angles_deg, dtype=float))
    return np.stack([np.cos(a), np.sin(a)], -1).astype(np.float32)


def test_rank_k_on_points_on_a_circle():
    # gallery subjects at 0, 10, 20, ..., 90 degrees; similarity falls with angle
    gallery = _unit(np.arange(10) * 10)
    labels = np.arange(10)
    # probe of subject 0 at 0 deg: rank 1. Probe of subject 0 placed at 31 deg: subjects 3
    # (1 deg away), 4, 2 (9 and 11 deg) come first, subject 0 is 31 deg away -> rank 7.
    probes = _unit([0, 31])
    scores, subjects = subject_scores(probes, gallery, labels)
    assert rank_k(scores, subjects, [0, 0], 1).tolist() == [True, False]
    assert rank_k(scores, subjects, [0, 0], 5).tolist() == [True, False]
    assert rank_k(scores, subjects, [0, 0], 7).tolist() == [True, True]


def test_best_gallery_entry_counts_per_subject():
    gallery = _unit([0, 90, 180])
    scores, subjects = subject_scores(_unit([170]), gallery, ["a", "b", "a"])
    assert subjects.tolist() == ["a", "b"]
    assert scores[0, 0] == pytest.approx(np.cos(np.deg2rad(10)), abs=1e-6)


def test_threshold_and_tar_at_far():
    impostor = np.arange(100) / 100.0  # 0.00 .. 0.99
    t = threshold_at_far(impostor, 0.01)
    assert np.mean(impostor >= t) == pytest.approx(0.01)  # only 0.99 accepted
    assert 0.98 < t <= 0.99
    genuine = np.array([0.5, 0.985, 0.995, 1.0])
    tar, _ = tar_at_far(genuine, impostor, 0.01)
    assert tar == pytest.approx(0.75)
    tar0, t0 = tar_at_far(genuine, impostor, 0.0)  # accept no impostor at all
    assert t0 > 0.99 and tar0 == pytest.approx(0.5)


def test_eer_of_overlapping_uniform_scores():
    # genuine uniform on [0.5, 1.5], impostor uniform on [0, 1]: FAR = 1 - t, FRR = t - 0.5,
    # equal at t = 0.75 where both are 0.25
    genuine = np.linspace(0.5, 1.5, 20001)
    impostor = np.linspace(0.0, 1.0, 20001)
    eer, t = equal_error_rate(genuine, impostor)
    assert eer == pytest.approx(0.25, abs=1e-3)
    assert t == pytest.approx(0.75, abs=1e-3)
    eer_sep, _ = equal_error_rate(np.array([0.9, 0.95]), np.array([0.1, 0.2]))
    assert eer_sep == pytest.approx(0.0)


def test_open_set_dir_from_a_constructed_watch_list():
    # 20 subjects on distinct directions in 20-d space; probes are exact copies, so known
    # probes score 1.0 and unknown probes score 0.0 against every kept subject -> DIR = 1
    gallery = np.eye(20, dtype=np.float32)
    labels = np.arange(20)
    result = open_set_identification(gallery, labels, gallery, labels, far=0.01, threshold=0.5)
    assert result["known_probes"] == 10 and result["unknown_probes"] == 10
    assert result["dir"] == pytest.approx(1.0)
    assert result["unknown_accept_at_threshold"] == 0.0


def test_evaluate_embeddings_report():
    gallery = np.eye(4, dtype=np.float32)
    labels = ["a", "b", "c", "d"]
    probes = np.array([[1, 0, 0, 0], [0, 0.6, 0.8, 0]], dtype=np.float32)
    report = evaluate_embeddings(gallery, labels, probes, ["a", "b"], ["nm", "cl"], threshold=0.7)
    assert report["conditions"]["nm"] == {"rank1": 1.0, "rank5": 1.0, "probes": 1}
    assert report["conditions"]["cl"]["rank1"] == 0.0
    assert report["conditions"]["cl"]["rank5"] == 1.0
    # genuine scores 1.0 and 0.6; impostors: 0.8 (b vs c) and five zeros
    assert report["open_set"]["far_at_threshold"] == pytest.approx(1 / 6)
    assert report["open_set"]["tar_at_threshold"] == pytest.approx(0.5)


def test_evaluate_folder_with_a_custom_loader(tmp_path):
    vectors = {"s1": [1, 0, 0], "s2": [0, 1, 0], "s3": [0, 0, 1]}
    for subject in vectors:
        for cond in ("nm", "bg"):
            (tmp_path / f"{subject}-{cond}.txt").write_text(subject)
    (tmp_path / "README").write_text("not a walk")

    class FakeEmbedder:
        model_version = "fake-1"
        threshold = 0.5

        def embed_track(self, track):
            return np.asarray(vectors[track], dtype=np.float32)

    report = evaluate_folder(
        tmp_path,
        r"(?P<subject>s\d)-(?P<condition>[a-z]+)",
        ["nm"],
        ["bg"],
        FakeEmbedder(),
        loader=lambda path: [path.read_text()],
    )
    assert report["conditions"]["bg"] == {"rank1": 1.0, "rank5": 1.0, "probes": 3}
    assert report["model"] == "fake-1"
    assert report["open_set"]["far_at_threshold"] == 0.0
    with pytest.raises(ValueError):
        evaluate_folder(tmp_path, r"(?P<subject>s\d)", ["nm"], ["bg"], FakeEmbedder())


def test_templates_score_against_the_mean_of_a_subjects_walks():
    # subject a walked at 0 and 90 deg (template at 45 deg), subject b once at 60 deg. A probe
    # at 45 deg is nearest to b's single walk (15 deg) but is exactly a's template.
    gallery, labels = _unit([0, 90, 60]), ["a", "a", "b"]
    probe = _unit([45])
    walks, subjects = subject_scores(probe, gallery, labels, gallery_mode="walks")
    templates, _ = subject_scores(probe, gallery, labels, gallery_mode="templates")
    assert subjects.tolist() == ["a", "b"]
    assert walks[0].tolist() == pytest.approx([np.cos(np.deg2rad(45)), np.cos(np.deg2rad(15))])
    assert templates[0].tolist() == pytest.approx([1.0, np.cos(np.deg2rad(15))])
    assert rank_k(walks, subjects, ["a"], 1).tolist() == [False]
    assert rank_k(templates, subjects, ["a"], 1).tolist() == [True]
    tmpl, subs = subject_templates(gallery, labels)
    assert subs.tolist() == ["a", "b"]
    assert tmpl @ _unit(45) == pytest.approx([1.0, np.cos(np.deg2rad(15))])
    with pytest.raises(ValueError, match="gallery_mode"):
        subject_scores(probe, gallery, labels, gallery_mode="mean")


def test_templates_leave_out_the_probes_own_file():
    # the probe is gallery walk 0 itself: its template for a is then walk 1 alone (90 deg);
    # b's only walk is excluded too, so b cannot be scored at all
    gallery, labels = _unit([0, 90, 30]), ["a", "a", "b"]
    exclude = np.array([[True, False, True]])
    scores, _ = subject_scores(gallery[:1], gallery, labels, exclude, "templates")
    assert scores[0, 0] == pytest.approx(0.0, abs=1e-6)
    assert scores[0, 1] == -np.inf
    report = evaluate_embeddings(
        gallery, labels, gallery[:1], ["a"], exclude=exclude, gallery_mode="templates"
    )
    assert report["gallery_mode"] == "templates"
    assert report["conditions"]["all"]["rank1"] == 1.0
