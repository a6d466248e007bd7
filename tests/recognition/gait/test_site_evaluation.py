"""Site adaptation and calibration: the safeguards, and gait_evaluate run as a site would."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
import torch
from django.core.management import CommandError, call_command

from recognition.gait.adaptation import adapt, better, not_worse
from recognition.gait.checkpoint import load_checkpoint
from recognition.gait.synthetic import generate_person, walk
from recognition.gait.training import fine_tune

from .test_evaluation_commands import PATTERN


def site_walks(people: int = 4, walks: int = 3, first: int = 500) -> dict[str, list]:
    return {
        f"p{s}": [walk(generate_person(first + s), "nm", 90, seed=w) for w in range(walks)]
        for s in range(people)
    }


def _flat(state: dict) -> torch.Tensor:
    return torch.cat([v.float().ravel() for k, v in state.items() if "running" not in k])


def _running(state: dict) -> dict:
    return {k: v for k, v in state.items() if "running" in k}


def test_l2sp_keeps_weights_near_the_start_and_batchnorm_statistics_frozen(
    tmp_path, tiny_checkpoint
):
    walks = site_walks()
    start = load_checkpoint(tiny_checkpoint)["model_state"]
    common = dict(epochs=3, seed=0, synthetic_people=2, batch_people=4, threads=1)
    common.update(clips_per_person=2, validation_people=0, lr=3e-3)
    free = load_checkpoint(fine_tune(tiny_checkpoint, walks, out_path=tmp_path / "a.pt", **common))
    held = load_checkpoint(
        fine_tune(
            tiny_checkpoint,
            walks,
            out_path=tmp_path / "b.pt",
            l2sp=100.0,
            freeze_batchnorm=True,
            **common,
        )
    )
    drift_free = (_flat(free["model_state"]) - _flat(start)).norm()
    drift_held = (_flat(held["model_state"]) - _flat(start)).norm()
    assert 0 < drift_held < drift_free
    for key, value in _running(start).items():
        assert torch.equal(held["model_state"][key], value), key
    assert any(not torch.equal(free["model_state"][k], v) for k, v in _running(start).items())
    assert held["training"]["fine_tune"]["l2sp"] == 100.0
    assert held["training"]["fine_tune"]["freeze_batchnorm"] is True


def test_non_inferiority_rule():
    before = {"rank1": 0.8, "tar_at_far_1pct": 0.5}
    assert not_worse(before, {"rank1": 0.8, "tar_at_far_1pct": 0.5})
    assert not_worse(before, {"rank1": 0.9, "tar_at_far_1pct": 0.6})
    assert not not_worse(before, {"rank1": 0.9, "tar_at_far_1pct": 0.4})
    assert not not_worse(before, {"rank1": 0.7, "tar_at_far_1pct": 0.9})


def test_an_adapted_model_must_be_better_to_be_accepted():
    before = {"rank1": 1.0, "tar_at_far_1pct": 1.0, "genuine_mean": 0.8, "impostor_mean": 0.2}
    assert not better(before, dict(before))  # the same: nothing to gain
    assert better(before, {**before, "genuine_mean": 0.85})  # wider genuine-impostor gap
    assert not better(before, {**before, "impostor_mean": 0.3})
    assert not better(before, {**before, "rank1": 0.9, "genuine_mean": 0.95})  # worse rank-1
    assert better({**before, "rank1": 0.9}, before)


def test_adapt_judges_the_adapted_model_on_held_back_walks(tiny_checkpoint):
    result = adapt(tiny_checkpoint, site_walks(), epochs=1, synthetic_people=2)
    assert result.checkpoint is not None
    assert result.before["held_back"] == result.after["held_back"] == 4
    assert result.accepted == better(result.before, result.after)
    assert result.checkpoint["training"]["fine_tune"]["freeze_batchnorm"] is True
    too_few = adapt(tiny_checkpoint, site_walks(people=2), epochs=1)
    assert too_few.checkpoint is None and not too_few.accepted


@pytest.fixture(scope="module")
def site_folder(tmp_path_factory):
    """Ten synthetic people: three normal walks each (the gallery), one with a bag (probes)."""
    folder = tmp_path_factory.mktemp("site")
    call_command(
        "gait_synth", str(folder), people=10, walks_per_condition=3, conditions="nm",
        views="90", format="npz", stdout=StringIO(),
    )  # fmt: skip
    call_command(
        "gait_synth", str(folder), people=10, walks_per_condition=1, conditions="bg",
        views="90", format="npz", seed=1, stdout=StringIO(),
    )  # fmt: skip
    return folder


def evaluate(folder, model, *flags, **options) -> tuple[dict, str]:
    out = StringIO()
    call_command(
        "gait_evaluate", str(folder), *flags, pattern=PATTERN, gallery="nm", probe="bg",
        model=str(model), gallery_mode="templates", json=True, stdout=out, **options,
    )  # fmt: skip
    return json.loads(out.getvalue().strip().splitlines()[-1]), out.getvalue()


def test_calibrate_on_gallery_reports_probes_at_the_calibrated_threshold(
    site_folder, tiny_checkpoint
):
    plain, _ = evaluate(site_folder, tiny_checkpoint)
    assert "site" not in plain and plain["open_set"]["threshold"] == 0.5
    result, text = evaluate(site_folder, tiny_checkpoint, "--calibrate-on-gallery", target_far=0.05)
    site, open_set = result["site"], result["open_set"]
    calibration = site["calibration"]
    assert calibration["source"] == "calibrated" and calibration["people"] == 8
    assert calibration["impostor_pairs"] == 8 * 3 * 7 and calibration["genuine_pairs"] == 24
    assert len(site["unknown_people"]) == 2 and site["unknown_probes"] == 2
    assert open_set["threshold"] == calibration["threshold"] == site["threshold"]
    assert open_set["far_at_threshold"] == site["far"]
    assert 0 <= open_set["far_at_threshold"] <= 1 and 0 <= open_set["tar_at_threshold"] <= 1
    assert open_set["unknown_kept_unknown"] in (0.0, 0.5, 1.0)
    assert result["conditions"]["bg"]["probes"] == 8  # the enrolled people's probes
    assert "calibration (calibrated)" in text and "unknown kept unknown" in text


def test_adapt_and_calibrate_on_gallery(site_folder, tiny_checkpoint):
    result, text = evaluate(
        site_folder, tiny_checkpoint, "--adapt-on-gallery", "--calibrate-on-gallery",
        target_far=0.05, adapt_epochs=1, unknown_fraction=0.0,
    )  # fmt: skip
    adaptation = result["site"]["adaptation"]
    assert adaptation["before"]["held_back"] == 10
    assert adaptation["accepted"] == better(adaptation["before"], adaptation["after"])
    base = load_checkpoint(tiny_checkpoint)["model_version"]
    assert (result["model"] != base) == adaptation["accepted"]
    assert (
        result["site"]["unknown_people"] == []
        and result["open_set"]["unknown_kept_unknown"] is None
    )
    assert result["open_set"]["threshold"] == result["site"]["calibration"]["threshold"]
    assert "adaptation kept" in text or "adaptation rejected" in text


def test_site_flags_refuse_bad_options(site_folder, tiny_checkpoint):
    with pytest.raises(CommandError, match="--unknown-fraction needs"):
        evaluate(site_folder, tiny_checkpoint, unknown_fraction=0.3)
    with pytest.raises(CommandError, match="unknown_fraction must be"):
        evaluate(site_folder, tiny_checkpoint, "--calibrate-on-gallery", unknown_fraction=1.5)
    with pytest.raises(CommandError, match="--target-far"):
        evaluate(site_folder, tiny_checkpoint, "--calibrate-on-gallery", target_far=2.0)


def test_too_few_pairs_fall_back_to_the_model_threshold(site_folder, tiny_checkpoint):
    result, _ = evaluate(site_folder, tiny_checkpoint, "--calibrate-on-gallery")
    calibration = result["site"]["calibration"]
    assert calibration["source"] == "model_default" and not calibration["sufficient"]
    assert result["open_set"]["threshold"] == 0.5
    assert np.isclose(result["site"]["threshold"], 0.5)


@pytest.mark.slow
def test_real_walk_bench_site_mode_calibrates_on_enrolments_only(tmp_path, tiny_checkpoint):
    """bench_gait_real_walks.py --site on a walks.npz shaped like real-walks' (synthetic 3D
    walks here): strangers are held out, each enrolled person enrols two normal walks, and the
    calibration rests on the enrolments' pairs only."""
    import subprocess
    import sys
    from pathlib import Path

    from .test_realwalks import _to_real_frame, _walk_3d, _write_set

    walks = []
    for s in range(20):  # 10 evaluation people (every other one)
        for t in range(3):
            trial = f"src_p{s:02d}_t{t}"
            joints = _to_real_frame(_walk_3d(100 * s + t, n=60))
            walks.append((f"src_p{s:02d}", trial, trial, "normal", joints))
    _write_set(tmp_path / "walks.npz", walks)
    root = Path(__file__).resolve().parents[3]
    out = tmp_path / "site.json"
    subprocess.run(
        [sys.executable, str(root / "bench" / "bench_gait_real_walks.py"), "--data", str(tmp_path),
         "--no-clips", "--views", "side", "--designs", str(tiny_checkpoint), "--threads", "1",
         "--site", "model,calibrate", "--target-far", "0.05", "--json", str(out)],
        check=True, capture_output=True, cwd=root,
    )  # fmt: skip
    site = json.loads(out.read_text())["site"]
    assert len(site["strangers"]) == 2 and site["enrol"] == 2
    rows = site["results"][str(tiny_checkpoint)]
    model, calibrated = rows["model"]["side 3-8m seed 0"], rows["calibrate"]["side 3-8m seed 0"]
    assert model["threshold"] == 0.5 and model["genuine_pairs"] is None
    # 8 enrolled people x 2 walks: leave-one-out genuine pairs, clips x other templates
    assert calibrated["enrolled_people"] == 8 and calibrated["enrolments"] == 16
    assert calibrated["genuine_pairs"] == 16 and calibrated["impostor_pairs"] == 16 * 7
    assert calibrated["threshold_source"] == "calibrated"
    assert calibrated["probes"] == {"normal": 8}  # each enrolled person's third walk
    assert calibrated["unknown_probes"] == 6  # all three walks of each stranger
    assert 0 <= calibrated["far"] <= 1 and 0 <= calibrated["tar"] <= 1
