"""Train the gait model on synthetic walkers, or fine-tune one on labelled walks."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

DEFAULT_PATTERN = r"(?P<subject>[^-_.]+)[-_](?P<condition>[a-z]+)"


class Command(BaseCommand):
    help = (
        "Train a gait model on synthetic walkers (python manage.py gait_train --out PATH), "
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
            "--device", default="cpu", help="where the network trains: cpu (default) or cuda"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="processes that make synthetic people and draw batches; switches the run to "
            "batches seeded per step, so they do not depend on the number of workers",
        )
        parser.add_argument(
            "--bf16",
            action="store_true",
            help="bfloat16 autocast (GPU tensor cores); weights stay float32",
        )
        parser.add_argument("--config", default=None, help="JSON object of TrainConfig fields")
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
        parser.add_argument("--data", default=None, help="folder of labelled walks")
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
        from recognition.gait.training import TrainConfig, train

        config = {}
        if opts["config"]:
            try:
                config = json.loads(opts["config"])
            except json.JSONDecodeError as exc:
                raise CommandError(f"--config is not JSON: {exc}") from exc
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
                config[key] = opts[key]
        if opts["workers"] < 0:
            raise CommandError("--workers must be 0 or more")
        if opts["workers"] > 0:
            config["per_step_batch_seed"] = True
        device = opts["device"]
        if device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise CommandError(f"--device {device}: this torch build sees no CUDA GPU")
        elif device != "cpu":
            raise CommandError(f"--device must be cpu or cuda, got {device!r}")
        if opts["resume"]:  # only what was asked for changes; the checkpoint holds the rest
            run_config = config or None
        else:
            run_config = TrainConfig.from_dict({**TrainConfig().to_dict(), **config})
        try:
            return train(
                run_config,
                out_path=opts["out"],
                resume=opts["resume"],
                progress=not opts["no_progress"],
                stop_after=opts["stop_after"],
                compile=opts["compile"],
                device=device,
                workers=opts["workers"],
                bf16=opts["bf16"],
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
        from recognition.gait.evaluation import load_walker
        from recognition.gait.training import fine_tune

        if not opts["data"]:
            raise CommandError("--fine-tune needs --data DIR")
        regex = re.compile(opts["pattern"])
        if "subject" not in regex.groupindex:
            raise CommandError("--pattern needs a named group 'subject'")
        by_label: dict[str, list] = {}
        for path in sorted(p for p in Path(opts["data"]).rglob("*") if p.is_file()):
            m = regex.search(path.name)
            if m is None:
                continue
            try:
                track = load_walker(path)
            except (ValueError, OSError) as exc:
                self.stderr.write(f"skipped {path}: {exc}")
                continue
            by_label.setdefault(m.group("subject"), []).append(track)
        if not by_label:
            raise CommandError(f"no files in {opts['data']} match {opts['pattern']!r}")
        return fine_tune(
            opts["fine_tune"],
            by_label,
            epochs=opts["epochs"],
            seed=opts["seed"] or 0,
            out_path=opts["out"],
            threads=opts["threads"] or 2,
            progress=not opts["no_progress"],
        )
