"""Training: the loss goes down, runs are reproducible, checkpoints resume, fine-tuning runs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recognition.gait.augment import AugmentConfig
from recognition.gait.checkpoint import (
    CheckpointError,
    default_threshold,
    load_checkpoint,
    strip_training_state,
)
from recognition.gait.losses import SupConLoss
from recognition.gait.network import GaitGraphNet
from recognition.gait.skeleton import COCO17_JOINTS
from recognition.gait.training import (
    SyntheticPool,
    hard_people,
    nearest_people,
    sample_batch,
    synthetic_walks,
    train,
    unpack_history,
)

from .conftest import TINY_NETWORK, tiny_fine_tune, tiny_train_config


def _weights(path):
    return load_checkpoint(path)["model_state"]


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_supcon_loss_known_values():
    loss = SupConLoss(temperature=1.0)
    e = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    labels = torch.tensor([0, 0, 1, 1])
    # each anchor: positive at cos 1, two negatives at cos 0 -> -log(e / (e + 2))
    expected = -np.log(np.e / (np.e + 2))
    assert float(loss(e, labels)) == pytest.approx(expected, rel=1e-5)
    assert float(loss(e, torch.tensor([0, 1, 2, 3]))) == 0.0  # no positives


def test_a_few_steps_reduce_the_loss():
    torch.manual_seed(0)
    cfg = tiny_train_config()
    pool = SyntheticPool(cfg)
    pool.update(0)
    rng = np.random.default_rng(0)
    clips, labels = sample_batch(
        pool.walks, rng, batch_people=6, clips_per_person=2, clip_length=30,
        augment=AugmentConfig(),
    )  # fmt: skip
    model = GaitGraphNet(TINY_NETWORK)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    loss_fn = SupConLoss(0.1)
    losses = []
    for _ in range(8):
        loss = loss_fn(model(clips), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]


def test_same_seed_same_weights_and_other_seed_differs(tmp_path):
    a = train(tiny_train_config(), out_path=tmp_path / "a.pt", progress=False)
    b = train(tiny_train_config(), out_path=tmp_path / "b.pt", progress=False)
    c = train(tiny_train_config(seed=1), out_path=tmp_path / "c.pt", progress=False)
    assert _same(_weights(a), _weights(b))
    assert not _same(_weights(a), _weights(c))


def test_checkpoint_contents_and_resume_round_trip(tmp_path):
    full = train(tiny_train_config(), out_path=tmp_path / "full.pt", progress=False)
    part = train(tiny_train_config(), out_path=tmp_path / "part.pt", progress=False, stop_after=2)
    ckpt = load_checkpoint(part)
    assert ckpt["training"]["step"] == 2
    assert tuple(ckpt["joints"]) == COCO17_JOINTS
    assert ckpt["architecture"] == "gaitgraph2-resgcn"
    assert ckpt["network"]["embedding_dim"] == 16
    assert ckpt["input"]["fps"] == 25.0 and ckpt["input"]["clip_length"] == 30
    assert ckpt["engine_version"]
    resumed = train(None, out_path=tmp_path / "resumed.pt", resume=part, progress=False)
    assert load_checkpoint(resumed)["training"]["step"] == 4
    history = unpack_history(load_checkpoint(resumed)["training"]["history"])
    assert [h["step"] for h in history] == [1, 2, 3, 4]
    assert history == unpack_history(load_checkpoint(full)["training"]["history"])
    assert _same(_weights(full), _weights(resumed))
    stripped = strip_training_state(load_checkpoint(full))
    assert "optimizer" not in stripped["training"]


def test_older_checkpoints_with_a_list_history_still_resume(tmp_path):
    part = load_checkpoint(
        train(tiny_train_config(), out_path=tmp_path / "p.pt", progress=False, stop_after=2)
    )
    part["training"]["history"] = unpack_history(part["training"]["history"])  # the old form
    old = tmp_path / "old.pt"
    torch.save(part, old)
    resumed = train(None, out_path=tmp_path / "r.pt", resume=old, progress=False)
    steps = unpack_history(load_checkpoint(resumed)["training"]["history"])
    assert [h["step"] for h in steps] == [1, 2, 3, 4]


def test_pool_refresh_is_deterministic():
    cfg = tiny_train_config()
    pool = SyntheticPool(cfg)
    pool.update(3)
    again = SyntheticPool(cfg)
    again.update(0)
    again.update(3)
    assert pool.subjects == again.subjects
    assert pool.subjects != list(range(cfg.people))


def test_pool_walks_are_repaired_unless_the_config_says_not():
    """The repair-off switch replays runs made before the leg-swap repair existed."""
    walks = {}
    for repair in (True, False):
        pool = SyntheticPool(tiny_train_config(leg_swap_repair=repair))
        pool.update(0)
        walks[repair] = pool.walks
        expected = synthetic_walks(
            pool.subjects[0], 2, 0, tiny_train_config(), leg_swap_repair=repair
        )
        for a, b in zip(pool.walks[0], expected, strict=True):
            np.testing.assert_array_equal(a, b)
    repaired = np.concatenate([w for person in walks[True] for w in person])
    as_detected = np.concatenate([w for person in walks[False] for w in person])
    assert repaired.shape == as_detected.shape
    assert not np.array_equal(repaired, as_detected)  # some swaps were undone


def test_hard_batches_are_groups_of_look_alikes_then_random_people():
    n = 20
    neighbours = np.array([[(i + 1) % n, (i + 2) % n, (i + 3) % n] for i in range(n)])
    rng = np.random.default_rng(0)
    for _ in range(20):
        people = hard_people(n, 8, neighbours, rng, 0.5)
        assert len(people) == 8 and len(set(people.tolist())) == 8
        anchor = people[0]
        assert people[1:4].tolist() == [(anchor + d) % n for d in (1, 2, 3)]
    # the batch labels follow the chosen people, K clips each
    pool = SyntheticPool(tiny_train_config(people=n, refresh_people=n))
    pool.update(0)
    clips, labels = sample_batch(
        pool.walks, np.random.default_rng(1), batch_people=8, clips_per_person=2,
        clip_length=30, augment=AugmentConfig(), neighbours=neighbours, hard_fraction=1.0,
    )  # fmt: skip
    first = int(labels[0])
    assert labels.tolist()[:8] == [(first + d) % n for d in range(4) for _ in "ab"]
    assert tuple(clips.shape) == (16, 30, 17, 3)


def test_nearest_people_pairs_walks_of_the_same_person():
    cfg = tiny_train_config(people=6, refresh_people=6)
    pool = SyntheticPool(cfg)
    pool.update(0)
    walks = [list(w) for w in pool.walks]
    walks[4] = [w.copy() for w in walks[1]]  # person 4 walks exactly like person 1
    torch.manual_seed(0)
    model = GaitGraphNet(TINY_NETWORK).train()
    nearest = nearest_people(model, walks, 30, 2)
    assert nearest.shape == (6, 2)
    assert nearest[1, 0] == 4 and nearest[4, 0] == 1
    assert all(i not in row for i, row in enumerate(nearest.tolist()))
    assert model.training  # left in the mode it was in


def test_resume_may_change_how_batches_are_drawn_and_nothing_else(tmp_path):
    part = train(tiny_train_config(), out_path=tmp_path / "p.pt", progress=False, stop_after=2)
    changes = {"steps": 6, "hard_fraction": 0.5, "hard_neighbours": 1}
    hard = train(changes, out_path=tmp_path / "h.pt", resume=part, progress=False)
    ckpt = load_checkpoint(hard)
    assert ckpt["training"]["step"] == 6
    assert ckpt["training"]["config"]["hard_fraction"] == 0.5
    assert [s["from_step"] for s in ckpt["training"]["stages"]] == [0, 2]
    assert [s["hard_fraction"] for s in ckpt["training"]["stages"]] == [0.0, 0.5]
    again = train(changes, out_path=tmp_path / "h2.pt", resume=part, progress=False)
    assert _same(_weights(hard), _weights(again))  # hard mining is seeded too
    with pytest.raises(ValueError, match="cannot change lr"):
        train({"lr": 1.0}, out_path=tmp_path / "x.pt", resume=part, progress=False)


def test_compiled_training_is_reproducible(tmp_path):
    # compiled dropout draws other random numbers than eager dropout, so compare compiled runs
    runs = [
        train(
            tiny_train_config(steps=3), out_path=tmp_path / f"{i}.pt", progress=False, compile=True
        )
        for i in range(2)
    ]
    a, b = (load_checkpoint(p) for p in runs)
    assert _same(a["model_state"], b["model_state"])
    assert torch.isfinite(a["training"]["history"]["loss"]).all()
    assert a["training"]["stages"] == [
        {
            "from_step": 0,
            "hard_fraction": 0.0,
            "batch_people": 4,
            "compiled": True,
            "device": "cpu",
            "bf16": False,
        }
    ]


def test_bf16_autocast_trains_and_is_recorded(tmp_path):
    full = train(tiny_train_config(steps=3), out_path=tmp_path / "f.pt", progress=False)
    half = train(tiny_train_config(steps=3), out_path=tmp_path / "h.pt", progress=False, bf16=True)
    ckpt = load_checkpoint(half)
    assert torch.isfinite(ckpt["training"]["history"]["loss"]).all()
    assert ckpt["training"]["stages"][0]["bf16"] is True
    assert all(v.dtype != torch.bfloat16 for v in ckpt["model_state"].values())  # float32 kept
    # autocast really ran: the same seed and batches end in other weights than float32 does
    assert not _same(_weights(full), _weights(half))


def test_batches_drawn_in_worker_processes_are_the_ones_drawn_in_one(tmp_path):
    cfg = tiny_train_config(steps=5, per_step_batch_seed=True, hard_fraction=0.5)
    one = train(cfg, out_path=tmp_path / "one.pt", progress=False)
    two = train(cfg, out_path=tmp_path / "two.pt", progress=False, workers=2)
    assert _same(_weights(one), _weights(two))
    assert not _same(_weights(one), _weights(train(
        tiny_train_config(steps=5, hard_fraction=0.5), out_path=tmp_path / "s.pt", progress=False
    )))  # fmt: skip  # one RNG stream draws other batches than per-step seeds
    with pytest.raises(ValueError, match="per_step_batch_seed"):
        train(tiny_train_config(), out_path=tmp_path / "x.pt", progress=False, workers=2)


def test_pool_made_in_worker_processes_is_the_same():
    cfg = tiny_train_config()
    serial, forked = SyntheticPool(cfg), SyntheticPool(cfg)
    serial.update(3)
    forked.update(3, workers=2)
    assert serial.subjects == forked.subjects
    assert all(
        np.array_equal(a, b)
        for wa, wb in zip(serial.walks, forked.walks, strict=True)
        for a, b in zip(wa, wb, strict=True)
    )


def test_a_resumed_run_may_grow_its_batches_and_switch_to_per_step_seeds(tmp_path):
    part = train(tiny_train_config(), out_path=tmp_path / "p.pt", progress=False, stop_after=2)
    changes = {"steps": 4, "batch_people": 6, "per_step_batch_seed": True}
    grown = load_checkpoint(
        train(changes, out_path=tmp_path / "g.pt", resume=part, progress=False, workers=2)
    )
    assert grown["training"]["config"]["batch_people"] == 6
    assert [s["batch_people"] for s in grown["training"]["stages"]] == [4, 6]
    assert not any(k for k, v in _on_cpu_tensors(grown) if v.device.type != "cpu")


def _on_cpu_tensors(ckpt):
    found = []

    def walk(key, obj):
        if isinstance(obj, torch.Tensor):
            found.append((key, obj))
        elif isinstance(obj, dict):
            for k, v in obj.items():
                walk(f"{key}.{k}", v)
        elif isinstance(obj, list | tuple):
            for i, v in enumerate(obj):
                walk(f"{key}.{i}", v)

    walk("", ckpt)
    return found


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_training_on_a_gpu_writes_a_checkpoint_that_loads_on_the_cpu(tmp_path):
    path = train(
        tiny_train_config(per_step_batch_seed=True),
        out_path=tmp_path / "g.pt",
        progress=False,
        device="cuda",
        workers=2,
    )
    ckpt = load_checkpoint(path)
    assert all(v.device.type == "cpu" for _, v in _on_cpu_tensors(ckpt))
    assert ckpt["training"]["stages"][0]["device"] == "cuda"
    resumed = train({"steps": 6}, out_path=tmp_path / "r.pt", resume=path, progress=False)
    assert load_checkpoint(resumed)["training"]["step"] == 6


def test_threshold_is_chosen_and_exposed(tmp_path):
    path = train(tiny_train_config(validation_people=4), out_path=tmp_path / "t.pt", progress=False)
    ckpt = load_checkpoint(path)
    assert ckpt["threshold"]["far_target"] == 0.01
    assert default_threshold(path) == ckpt["threshold"]["value"]
    assert "validation_rank1" in ckpt["metrics"]


def test_fine_tune_runs(tmp_path):
    base = train(tiny_train_config(), out_path=tmp_path / "base.pt", progress=False)
    out = tiny_fine_tune(base, tmp_path / "ft.pt", first_subject=100)
    ckpt = load_checkpoint(out)
    assert ckpt["parent"] == load_checkpoint(base)["model_version"]
    assert ckpt["metrics"]["fine_tune_people"] == 3
    assert "value" in ckpt["threshold"]
    assert not _same(ckpt["model_state"], _weights(base))


def test_load_rejects_foreign_files(tmp_path):
    bad = tmp_path / "bad.pt"
    torch.save({"format": 1, "architecture": "gaitgraph2-resgcn", "joints": ["a"]}, bad)
    with pytest.raises(CheckpointError):
        load_checkpoint(bad)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        load_checkpoint(junk)


def test_resuming_a_finished_run_only_rechooses_the_threshold(tmp_path):
    """How a shipped model is re-issued when the engine's input processing changes."""
    config = tiny_train_config(validation_people=4)
    done = load_checkpoint(train(config, out_path=tmp_path / "done.pt", progress=False))
    older = dict(done, input={k: v for k, v in done["input"].items() if k != "leg_swap_repair"})
    older["threshold"] = {"value": 2.0}  # a stale operating point
    torch.save(older, tmp_path / "older.pt")
    out = train(None, out_path=tmp_path / "again.pt", resume=tmp_path / "older.pt", progress=False)
    again = load_checkpoint(out)
    assert _same(again["model_state"], done["model_state"])
    assert again["training"]["step"] == done["training"]["step"]
    assert again["training"]["stages"] == done["training"]["stages"]  # no empty stage added
    assert again["metrics"]["train_seconds"] == done["metrics"]["train_seconds"]
    assert again["input"]["leg_swap_repair"] is True
    assert again["threshold"]["value"] == pytest.approx(done["threshold"]["value"])
