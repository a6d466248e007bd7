"""gait_synth, gait_evaluate and gait_train run end to end on a small synthetic folder."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import torch
from django.core.management import CommandError, call_command

from recognition.gait.checkpoint import load_checkpoint

from .conftest import TINY_NETWORK

PATTERN = r"(?P<subject>\d+)-(?P<condition>[a-z]+)-\d+-\d+"


def test_synth_then_evaluate_json(tmp_path, tiny_checkpoint):
    out = StringIO()
    call_command(
        "gait_synth", str(tmp_path / "walks"), people=3, walks_per_condition=1,
        conditions="nm,bg", views="90", format="npz", stdout=out,
    )  # fmt: skip
    files = sorted((tmp_path / "walks").glob("*.npz"))
    assert len(files) == 6
    out = StringIO()
    call_command(
        "gait_evaluate", str(tmp_path / "walks"), pattern=PATTERN, gallery="nm", probe="bg",
        model=str(tiny_checkpoint), json=True, stdout=out,
    )  # fmt: skip
    lines = out.getvalue().strip().splitlines()
    result = json.loads(lines[-1])
    assert set(result) == {"conditions", "open_set", "model"}
    assert result["conditions"]["bg"]["probes"] == 3
    assert 0.0 <= result["conditions"]["bg"]["rank1"] <= 1.0
    assert set(result["open_set"]) == {
        "tar_at_far_1pct", "tar_at_far_0_1pct", "eer", "dir_at_far_1pct", "threshold",
        "far_at_threshold",
    }  # fmt: skip
    assert result["open_set"]["threshold"] == 0.5
    assert result["model"] == load_checkpoint(tiny_checkpoint)["model_version"]
    assert "rank-1" in out.getvalue()  # the readable table comes first
    assert "gallery scored by walks" in out.getvalue()


def test_evaluate_with_subject_templates(tmp_path, tiny_checkpoint):
    call_command(
        "gait_synth", str(tmp_path), people=3, walks_per_condition=2, conditions="nm,bg",
        views="90", format="npz", stdout=StringIO(),
    )  # fmt: skip
    runs = {}
    for mode in ("walks", "templates"):
        out = StringIO()
        call_command(
            "gait_evaluate", str(tmp_path), pattern=PATTERN, gallery="nm", probe="bg",
            model=str(tiny_checkpoint), gallery_mode=mode, json=True, stdout=out,
        )  # fmt: skip
        assert f"gallery scored by {mode}" in out.getvalue()
        runs[mode] = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(runs["templates"]) == {"conditions", "open_set", "model"}
    assert runs["templates"]["conditions"]["bg"]["probes"] == 6
    # two gallery walks per subject: the best walk and the mean of both give other scores
    assert runs["templates"]["open_set"] != runs["walks"]["open_set"]


def test_synth_video(tmp_path):
    call_command(
        "gait_synth", str(tmp_path), people=1, walks_per_condition=1, conditions="nm",
        views="0", video=True, stdout=StringIO(),
    )  # fmt: skip
    assert len(list(tmp_path.glob("*.mp4"))) == 1


def test_train_and_fine_tune_commands(tmp_path):
    config = {
        "people": 4, "walks_per_person": 2, "refresh_every": 10, "refresh_people": 2,
        "batch_people": 3, "clips_per_person": 2, "clip_length": 30, "warmup_steps": 1,
        "checkpoint_every": 0, "validation_people": 0, "network": TINY_NETWORK.to_dict(),
    }  # fmt: skip
    model = tmp_path / "m.pt"
    call_command(
        "gait_train", out=str(model), steps=2, threads=1, config=json.dumps(config),
        no_progress=True, stdout=StringIO(),
    )  # fmt: skip
    assert load_checkpoint(model)["training"]["step"] == 2
    # a time-boxed run: --stop-after saves a resumable checkpoint, --resume finishes it
    call_command(
        "gait_train", out=str(model), resume=str(model), steps=5, stop_after=1,
        no_progress=True, stdout=StringIO(),
    )  # fmt: skip
    stopped = load_checkpoint(model)
    assert stopped["training"]["step"] == 3 and stopped["training"]["config"]["steps"] == 5
    call_command(
        "gait_train", out=str(model), resume=str(model), steps=4, no_progress=True,
        stdout=StringIO(),
    )  # fmt: skip
    assert load_checkpoint(model)["training"]["step"] == 4
    # a later stage with hard-negative batches; the recipe itself cannot change on resume
    call_command(
        "gait_train", out=str(model), resume=str(model), steps=5, hard_fraction=0.5,
        no_progress=True, stdout=StringIO(),
    )  # fmt: skip
    assert load_checkpoint(model)["training"]["config"]["hard_fraction"] == 0.5
    with pytest.raises(CommandError, match="hard_fraction must be between 0 and 1"):
        call_command(
            "gait_train", out=str(model), resume=str(model), steps=6, hard_fraction=1.5,
            no_progress=True, stdout=StringIO(),
        )  # fmt: skip
    assert load_checkpoint(model)["training"]["step"] == 5  # nothing was overwritten
    with pytest.raises(CommandError, match="cannot change seed"):
        call_command(
            "gait_train", out=str(model), resume=str(model), steps=6, seed=3, no_progress=True,
            stdout=StringIO(),
        )  # fmt: skip
    # a GPU-style stage: bigger batches drawn by worker processes (per-step seeds), on the CPU
    call_command(
        "gait_train", out=str(model), resume=str(model), steps=6, batch_people=4, workers=2,
        bf16=True, no_progress=True, stdout=StringIO(),
    )  # fmt: skip
    grown = load_checkpoint(model)["training"]
    assert grown["step"] == 6 and grown["config"]["batch_people"] == 4
    assert grown["stages"][-1]["bf16"] is True
    assert grown["config"]["per_step_batch_seed"] is True
    with pytest.raises(CommandError, match="--device must be cpu, cuda or auto"):
        call_command("gait_train", out=str(model), resume=str(model), steps=7, device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(CommandError, match="sees no CUDA GPU"):
            call_command("gait_train", out=str(model), resume=str(model), steps=7, device="cuda")
    with pytest.raises(CommandError, match="--workers must be 0 or more"):
        call_command("gait_train", out=str(model), resume=str(model), steps=7, workers=-1)
    assert load_checkpoint(model)["training"]["step"] == 6
    call_command(
        "gait_synth", str(tmp_path / "site"), people=2, walks_per_condition=2,
        conditions="nm", views="90", stdout=StringIO(),
    )  # fmt: skip
    tuned = tmp_path / "ft.pt"
    call_command(
        "gait_train", out=str(tuned), fine_tune=str(model), data=str(tmp_path / "site"),
        pattern=PATTERN, epochs=1, threads=1, no_progress=True, stdout=StringIO(),
    )  # fmt: skip
    assert load_checkpoint(tuned)["metrics"]["fine_tune_people"] == 2
