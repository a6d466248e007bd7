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
    assert config.walker == {} and config.real == {}  # the fitted walker may fill [walker]
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
    lines = [
        "seed = 3", "steps = 2", "people = 4", "walks_per_person = 2", "refresh_every = 10",
        "refresh_people = 2", "batch_people = 3", "clips_per_person = 2", "clip_length = 30",
        "warmup_steps = 1", "checkpoint_every = 0", "validation_people = 0",
        *(f"{k} = {v}" for k, v in extra.items()),
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
