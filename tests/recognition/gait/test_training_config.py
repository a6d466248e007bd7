"""One reproducible training command: a TOML config, recorded in the checkpoint; real walks."""

from __future__ import annotations

import tomllib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recognition.gait.checkpoint import checkpoint_summary, load_checkpoint, strip_training_state
from recognition.gait.training import (
    DEFAULT_CONFIG_PATH,
    TrainConfig,
    config_from_mapping,
    load_config,
)

from .conftest import TINY_NETWORK

ROOT = Path(__file__).resolve().parents[3]


def test_the_shipped_config_is_a_complete_recipe():
    config, run = load_config(DEFAULT_CONFIG_PATH)
    raw = tomllib.loads(DEFAULT_CONFIG_PATH.read_text())
    fields = set(TrainConfig.__dataclass_fields__) - {"threads"}  # threads: how, in [run]
    assert fields <= set(raw), fields - set(raw)  # every field written out, none left implicit
    assert config.walker == {} and config.real == {}
    # the shipped model ends on the walker fitted to real people's statistics
    assert config.finish["walker"] == {"population": "real-fit"}
    assert run["device"] == "auto"
    assert config.network == {**TrainConfig().network, **raw["network"]}


def test_make_gait_model_is_that_one_command():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("gait-model: install\n", 1)[1].split("\n\n", 1)[0]
    assert recipe.strip().splitlines() == [
        "$(BIN)/python manage.py gait_train --config $(GAIT_CONFIG) --out $(GAIT_MODEL_OUT)"
    ]
    assert "GAIT_CONFIG ?= recognition/gait/configs/default.toml" in makefile


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stepz": 3}, "unknown config keys stepz"),
        ({"run": {"gpu": True}}, "unknown config keys run.gpu"),
    ],
)
def test_unknown_keys_are_named(data, message):
    with pytest.raises(ValueError, match=message):
        config_from_mapping(data)


def test_broken_files_are_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("steps = = 3")
    with pytest.raises(ValueError, match="not a TOML file"):
        load_config(bad)
    with pytest.raises(ValueError, match="no such config file"):
        load_config(tmp_path / "missing.toml")


def tiny_toml(path: Path, **extra: str) -> Path:
    net = TINY_NETWORK
    fields = {
        "seed": "3",
        "steps": "2",
        "people": "4",
        "walks_per_person": "2",
        "refresh_every": "10",
        "refresh_people": "2",
        "batch_people": "3",
        "clips_per_person": "2",
        "clip_length": "30",
        "warmup_steps": "1",
        "checkpoint_every": "0",
        "validation_people": "0",
        **extra,
    }
    lines = [
        *(f"{k} = {v}" for k, v in fields.items()),
        "[network]",
        f"embedding_dim = {net.embedding_dim}",
        f"branch_channels = {list(net.branch_channels)}",
        f"main_channels = {list(net.main_channels)}",
        f"main_strides = {list(net.main_strides)}",
        "[run]", "device = 'auto'", "threads = 1",
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def test_gait_train_config_records_the_file_in_the_checkpoint(tmp_path):
    config = tiny_toml(tmp_path / "tiny.toml")
    out = tmp_path / "m.pt"
    text = StringIO()
    call_command(
        "gait_train", config=str(config), out=str(out), no_progress=True, stdout=text
    )  # fmt: skip
    training = load_checkpoint(out)["training"]
    assert training["step"] == 2
    assert training["config"]["seed"] == 3 and training["config"]["threads"] == 1
    assert training["config"]["network"]["embedding_dim"] == TINY_NETWORK.embedding_dim
    assert training["config_source"] == {"path": str(config), "toml": config.read_text()}
    assert "training on cpu" in text.getvalue() or "training on cuda" in text.getvalue()
    shipped = strip_training_state(load_checkpoint(out))  # what a shipped file keeps
    assert shipped["training"]["config_source"] == training["config_source"]
    assert shipped["training"]["stages"] == training["stages"]
    assert "optimizer" not in shipped["training"]
    assert checkpoint_summary(shipped)["training_config_file"] == str(config)
    # a time-boxed run resumes to the config's length and keeps the record
    call_command(
        "gait_train", config=str(config), out=str(out), steps=4, stop_after=1, no_progress=True,
        stdout=StringIO(),
    )  # fmt: skip
    call_command("gait_train", resume=str(out), out=str(out), no_progress=True, stdout=StringIO())
    resumed = load_checkpoint(out)["training"]
    assert resumed["step"] == 4 and resumed["config_source"]["path"] == str(config)


def test_walker_options_reach_the_walker_or_are_refused_by_name(tmp_path):
    config = tiny_toml(tmp_path / "w.toml")
    config.write_text(config.read_text() + "[walker]\npopulation = 'fitted.json'\n")
    with pytest.raises(CommandError, match=r"\[walker\] options \['population'\]"):
        call_command(
            "gait_train", config=str(config), out=str(tmp_path / "w.pt"), no_progress=True,
            stdout=StringIO(),
        )  # fmt: skip


@pytest.fixture
def real_folder(tmp_path):
    """Labelled 2D keypoint files of three people (synthetic here: real walks never in tests)."""
    folder = tmp_path / "real"
    call_command(
        "gait_synth", str(folder), people=3, walks_per_condition=2, conditions="nm",
        views="90", format="alphapose", stdout=StringIO(),
    )  # fmt: skip
    return folder


def test_training_and_fine_tuning_on_real_keypoints(tmp_path, real_folder):
    pattern = r"(?P<subject>\d+)-nm"
    out = tmp_path / "r.pt"
    call_command(
        "gait_train", config=str(tiny_toml(tmp_path / "r.toml")), out=str(out),
        real_keypoints=str(real_folder), pattern=pattern, no_progress=True, stdout=StringIO(),
    )  # fmt: skip
    training = load_checkpoint(out)["training"]
    assert training["config"]["real"] == {"keypoints": str(real_folder), "pattern": pattern}
    assert training["stages"][-1]["real"] == {"people": 3, "walks": 6, "skipped": 0}
    tuned = tmp_path / "ft.pt"
    call_command(
        "gait_train", fine_tune=str(out), real_keypoints=str(real_folder), pattern=pattern,
        out=str(tuned), epochs=1, threads=1, no_progress=True, stdout=StringIO(),
    )  # fmt: skip
    assert load_checkpoint(tuned)["metrics"]["fine_tune_people"] == 3
    with pytest.raises(CommandError, match="needs a named group 'subject'"):
        call_command(
            "gait_train", fine_tune=str(out), real_keypoints=str(real_folder), pattern="nm",
            out=str(tuned), no_progress=True, stdout=StringIO(),
        )  # fmt: skip


def test_training_on_3d_walks_through_virtual_cameras(tmp_path):
    """3D walks (shaped like real-walks' walks.npz; synthetic here) are projected per view; by
    default only the fitting half of their people is used."""
    from .test_realwalks import _to_real_frame, _walk_3d, _write_set

    walks = []
    for s in range(4):
        for t in range(2):
            trial = f"src_p{s:02d}_t{t}"
            walks.append(
                (f"src_p{s:02d}", trial, trial, "normal", _to_real_frame(_walk_3d(s * 10 + t)))
            )
    _write_set(tmp_path / "walks.npz", walks)
    out = tmp_path / "w3.pt"
    call_command(
        "gait_train", config=str(tiny_toml(tmp_path / "w3.toml")), out=str(out),
        real_walks_3d=str(tmp_path / "walks.npz"), real_views="90,45", no_progress=True,
        stdout=StringIO(),
    )  # fmt: skip
    training = load_checkpoint(out)["training"]
    assert training["config"]["real"]["subjects"] == "fit"
    assert training["stages"][-1]["real"] == {"people": 2, "walks": 8, "skipped": 0}
    tuned = tmp_path / "ft3.pt"
    call_command(
        "gait_train", fine_tune=str(out), real_walks_3d=str(tmp_path), real_subjects="all",
        real_views="90", out=str(tuned), epochs=1, threads=1, no_progress=True, stdout=StringIO(),
    )  # fmt: skip
    assert load_checkpoint(tuned)["metrics"]["fine_tune_people"] == 4


FINISH = (
    "[finish]\npeople = 3\nepochs = 1\nbatch_people = 3\n[finish.walker]\npopulation = 'real-fit'\n"
)


def _weights(path: Path) -> dict:
    return load_checkpoint(path)["model_state"]


def test_a_finishing_stage_on_the_fitted_walker_ends_the_run(tmp_path):
    """[finish]: after its steps the run is fine-tuned on people of another walker population;
    resuming a run that ended without one (a time-boxed session) adds it from the TOML."""
    plain, finished = tmp_path / "plain.pt", tmp_path / "finished.pt"
    # a threshold chosen at the end of the plain run must not change the stage resumed after it
    toml = tiny_toml(tmp_path / "plain.toml", validation_people="3")
    call_command(
        "gait_train", config=str(toml), out=str(plain), no_progress=True, stdout=StringIO()
    )
    with_finish = tmp_path / "finish.toml"
    with_finish.write_text(toml.read_text() + FINISH)
    call_command(
        "gait_train", config=str(with_finish), out=str(finished), no_progress=True,
        stdout=StringIO(),
    )  # fmt: skip
    training = load_checkpoint(finished)["training"]
    record = training["stages"][-1]
    assert record["from_step"] == 2
    assert record["finish"]["walker"] == {"population": "real-fit"}
    assert record["finish"]["people"] == 3 and record["finish"]["steps"] == 1
    assert training["step"] == 2  # the finishing stage is not counted as training steps
    same_start = [
        name for name, w in _weights(plain).items() if not w.equal(_weights(finished)[name])
    ]
    assert same_start  # the stage changed the weights of the same 2 trained steps

    # the plain run, resumed with the finishing TOML, trains only the stage: the same weights
    resumed = tmp_path / "resumed.pt"
    call_command(
        "gait_train", config=str(with_finish), resume=str(plain), out=str(resumed),
        no_progress=True, stdout=StringIO(),
    )  # fmt: skip
    again = load_checkpoint(resumed)["training"]
    assert [s.get("finish", {}).get("steps") for s in again["stages"]] == [None, 1]
    assert again["config_source"]["toml"] == with_finish.read_text()
    assert all(w.equal(_weights(finished)[name]) for name, w in _weights(resumed).items())
    # resumed once more, the stage is not repeated
    call_command(
        "gait_train", config=str(with_finish), resume=str(resumed), out=str(resumed),
        no_progress=True, stdout=StringIO(),
    )  # fmt: skip
    assert len(load_checkpoint(resumed)["training"]["stages"]) == 2
    assert all(w.equal(_weights(finished)[name]) for name, w in _weights(resumed).items())


def test_finishing_stage_keys_are_checked_before_training(tmp_path):
    toml = tiny_toml(tmp_path / "bad.toml")
    toml.write_text(toml.read_text() + "[finish]\npeeple = 3\n")
    with pytest.raises(CommandError, match="unknown \\[finish\\] keys peeple"):
        call_command(
            "gait_train", config=str(toml), out=str(tmp_path / "b.pt"), no_progress=True,
            stdout=StringIO(),
        )  # fmt: skip
