"""Train the gait model on synthetic walkers, or fine-tune one on labelled walks."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

DEFAULT_PATTERN = r"(?P<subject>[^-_.]+)[-_](?P<condition>[a-z]+)"


class Command(BaseCommand):
    help = (
        "Train the shipped gait model from scratch by its config (python manage.py gait_train "
        "--config recognition/gait/configs/default.toml --out PATH), or on synthetic walkers "
        "by flags (python manage.py gait_train --out PATH), "
        "resume a run (--resume CKPT), fine-tune a checkpoint on labelled keypoint files "
        "(--fine-tune CKPT --data DIR --pattern REGEX with a named group 'subject'), or combine "
        "trained checkpoints into one ensemble model (--ensemble CKPT CKPT [...])."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="checkpoint to write")
        parser.add_argument("--steps", type=int, default=None)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--people", type=int, default=None, help="people in the pool")
        parser.add_argument("--batch-people", type=int, default=None)
        parser.add_argument("--threads", type=int, default=None)
        parser.add_argument(
            "--hard-fraction",
            type=float,
            default=None,
            help="fraction of each batch drawn as look-alike groups (hard negatives); 0 = random",
        )
        parser.add_argument("--hard-neighbours", type=int, default=None)
        parser.add_argument(
            "--compile", action="store_true", help="torch.compile the training passes (faster)"
        )
        parser.add_argument(
            "--device",
            default=None,
            help="where the network trains: cpu, cuda or auto (cuda when torch sees a GPU); "
            "default: the config's [run] device, else cpu",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that make synthetic people and draw batches; switches the run to "
            "batches seeded per step, so they do not depend on the number of workers",
        )
        parser.add_argument(
            "--bf16",
            action="store_true",
            help="bfloat16 autocast (GPU tensor cores); weights stay float32",
        )
        parser.add_argument(
            "--config",
            default=None,
            help="a TOML config file (recognition/gait/configs/default.toml trains the shipped "
            "model from scratch; recorded in the checkpoint), or a JSON object of TrainConfig "
            "fields; flags override it",
        )
        parser.add_argument("--resume", default=None, help="checkpoint to continue training")
        parser.add_argument(
            "--stop-after",
            type=int,
            default=None,
            metavar="N",
            help="stop after N steps of this run and save a resumable checkpoint (time-boxing)",
        )
        parser.add_argument("--fine-tune", default=None, metavar="CKPT")
        parser.add_argument(
            "--ensemble",
            nargs="+",
            default=None,
            metavar="CKPT",
            help="combine these trained checkpoints into one model (their embeddings fused)",
        )
        parser.add_argument(
            "--weights", default=None, help="with --ensemble: one weight per member, e.g. 1,1"
        )
        parser.add_argument(
            "--validation-people",
            type=int,
            default=100,
            help="with --ensemble: held-out synthetic people the threshold is chosen on",
        )
        parser.add_argument(
            "--real-keypoints",
            "--data",
            dest="real_keypoints",
            default=None,
            metavar="DIR",
            help="real labelled walks (keypoint files or videos; --pattern names the person) "
            "for users who hold the rights to them: fine-tuned on with --fine-tune, else mixed "
            "into training as extra people",
        )
        parser.add_argument(
            "--real-walks-3d",
            default=None,
            metavar="NPZ",
            help="real 3D walks (a real-walks walks.npz or its folder) seen through virtual door "
            "cameras (--real-views), for users who hold the rights to them; by default only the "
            "fitting half of their people (--real-subjects)",
        )
        parser.add_argument("--real-views", default="90,45,0", help="camera views, degrees")
        parser.add_argument("--real-subjects", choices=("fit", "all"), default="fit")
        parser.add_argument("--pattern", default=DEFAULT_PATTERN)
        parser.add_argument("--epochs", type=int, default=10)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        from recognition.gait.checkpoint import load_checkpoint, write_summary

        started = time.monotonic()
        if opts["ensemble"] and opts["fine_tune"]:
            raise CommandError("--ensemble and --fine-tune are separate steps")
        if opts["ensemble"]:
            path = self._ensemble(opts)
        elif opts["fine_tune"]:
            path = self._fine_tune(opts)
        else:
            path = self._train(opts)
        ckpt = load_checkpoint(path)
        write_summary(path)  # default.pt -> default.json: version, threshold, metrics, config
        self.stdout.write(f"wrote {path} in {time.monotonic() - started:.0f} s")
        threshold = (ckpt.get("threshold") or {}).get("value")
        if threshold is not None:
            self.stdout.write(
                f"model {ckpt['model_version']}, threshold {threshold:.4f} "
                f"(FAR {ckpt['threshold'].get('far_target')}), metrics {ckpt.get('metrics')}"
            )

    def _train(self, opts) -> Path:
        from recognition.gait.training import (
            RESUMABLE_FIELDS,
            TrainConfig,
            config_from_mapping,
            train,
        )

        config: dict = {}
        run: dict = {}
        source = None
        if opts["config"]:
            try:
                config, run, source = _read_config(opts["config"])
            except ValueError as exc:
                raise CommandError(f"--config: {exc}") from exc
        flags: dict = {}
        for key in (
            "steps",
            "seed",
            "people",
            "batch_people",
            "threads",
            "hard_fraction",
            "hard_neighbours",
        ):
            if opts[key] is not None:
                flags[key] = opts[key]
        real = _real_table(opts)
        if real:
            flags["real"] = real
        device = _device(opts["device"] or run.get("device") or "cpu")
        workers = opts["workers"]
        if workers is None:
            workers = run.get("workers", _auto_workers(device))
        if workers < 0:
            raise CommandError("--workers must be 0 or more")
        if workers > 0:
            flags["per_step_batch_seed"] = True
        if opts["threads"] is None and "threads" in run and not opts["resume"]:
            flags["threads"] = run["threads"]
        if opts["resume"]:
            # only what may change on resume comes from a TOML (its length, its batches, its
            # finishing stage); the checkpoint holds the rest
            if source is not None:
                config = {k: config[k] for k in RESUMABLE_FIELDS if k in config}
            run_config = {**config, **flags} or None
        else:
            try:
                run_config, _ = config_from_mapping({**TrainConfig().to_dict(), **config, **flags})
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"training on {device}, {workers} batch workers")
        try:
            return train(
                run_config,
                out_path=opts["out"],
                resume=opts["resume"],
                progress=not opts["no_progress"],
                stop_after=opts["stop_after"],
                compile=opts["compile"] or bool(run.get("compile", False)),
                device=device,
                workers=workers,
                bf16=opts["bf16"] or bool(run.get("bf16", False)),
                config_source=source,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _ensemble(self, opts) -> Path:
        from recognition.gait.training import build_ensemble

        weights = None
        if opts["weights"]:
            try:
                weights = [float(w) for w in opts["weights"].split(",")]
            except ValueError as exc:
                raise CommandError(f"--weights is not a list of numbers: {exc}") from exc
        try:
            return build_ensemble(
                opts["ensemble"],
                out_path=opts["out"],
                weights=weights,
                validation_people=opts["validation_people"],
                seed=opts["seed"],
            )
        except FileNotFoundError as exc:
            raise CommandError(f"no such checkpoint: {exc.filename}") from exc
        except ValueError as exc:  # CheckpointError included
            raise CommandError(str(exc)) from exc

    def _fine_tune(self, opts) -> Path:
        from recognition.gait.training import fine_tune
        from recognition.gait.training.real import real_tracks

        real = _real_table(opts)
        if not real:
            raise CommandError(
                "--fine-tune needs --real-keypoints DIR (or --data DIR) or --real-walks-3d NPZ"
            )
        try:
            by_label, skipped = real_tracks(real)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for item in skipped:
            self.stderr.write(f"skipped {item['file']}: {item['error']}")
        return fine_tune(
            opts["fine_tune"],
            by_label,
            epochs=opts["epochs"],
            seed=opts["seed"] or 0,
            out_path=opts["out"],
            threads=opts["threads"] or 2,
            progress=not opts["no_progress"],
        )


def _real_table(opts) -> dict:
    """The [real] table the flags describe (empty: none)."""
    real: dict = {}
    if opts["real_keypoints"]:
        real.update(keypoints=opts["real_keypoints"], pattern=opts["pattern"])
    if opts["real_walks_3d"]:
        try:
            views = [float(v) for v in opts["real_views"].split(",") if v.strip()]
        except ValueError as exc:
            raise CommandError(f"--real-views is not a list of degrees: {exc}") from exc
        real.update(walks3d=opts["real_walks_3d"], views=views, subjects=opts["real_subjects"])
    return real


def _read_config(value: str) -> tuple[dict, dict, dict | None]:
    """(TrainConfig fields, [run] options, source to record) from a TOML file or JSON text."""
    from recognition.gait.training import load_config

    path = Path(value)
    if value.lstrip().startswith("{"):
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError("the JSON must be an object of TrainConfig fields")
        return data, {}, None
    config, run = load_config(path)
    source = {"path": str(path), "toml": path.read_text(encoding="utf-8")}
    return config.to_dict(), run, source


def _device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise CommandError(f"--device {name}: this torch build sees no CUDA GPU")
        return name
    if name != "cpu":
        raise CommandError(f"--device must be cpu, cuda or auto, got {name!r}")
    return name


def _auto_workers(device: str) -> int:
    """Processes drawing batches: none on the CPU (its cores train), the spare cores on a GPU."""
    if not device.startswith("cuda"):
        return 0
    return max(0, min(14, (os.cpu_count() or 2) - 2))
