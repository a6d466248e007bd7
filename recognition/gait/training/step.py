"""One optimiser step, shared by training and fine-tuning, the learning-rate schedule, and what
every run sets up (the allocator, the progress bar)."""

from __future__ import annotations

import ctypes
import math
from collections.abc import Sequence

import torch

GRAD_CLIP = 5.0


def training_step(
    model: torch.nn.Module,
    clips: torch.Tensor,
    labels: torch.Tensor,
    *,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    forward: torch.nn.Module | None = None,
    bf16: bool = False,
    anchor: Sequence[torch.Tensor] | None = None,
    l2sp: float = 0.0,
) -> float:
    """One optimiser step on one batch, the same for training and fine-tuning; returns the loss.

    ``forward``: what runs the batch (a compiled model; default ``model``). ``anchor`` with
    ``l2sp`` > 0: L2-SP, a pull of ``l2sp / 2 * ||w - w0||^2`` toward the starting weights
    ``anchor`` (one tensor per parameter of ``model``), so a fine-tune on a few people stays near
    what the model knew (Li et al., ICML 2018).
    """
    device = clips.device
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        embeddings = (model if forward is None else forward)(clips)
    loss = loss_fn(embeddings.float(), labels)
    total = loss
    if anchor is not None and l2sp > 0:
        drift = sum(((p - a) ** 2).sum() for p, a in zip(model.parameters(), anchor, strict=True))
        total = loss + 0.5 * l2sp * drift
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
    optimizer.step()
    scheduler.step()
    return float(loss.detach())


def freeze_batchnorm_statistics(model: torch.nn.Module) -> int:
    """Put every batch-norm layer in eval mode (running statistics fixed, affine weights still
    trained): a few people's walks must not redefine what a typical walk looks like. Returns
    the number of layers frozen; call after ``model.train()``."""
    frozen = 0
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()
            frozen += 1
    return frozen


def _lr_factor(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress))) * 0.98 + 0.02


def _tune_allocator() -> None:
    """Keep freed tensor memory in the process (glibc): page faults dominate otherwise."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 25)  # M_MMAP_THRESHOLD: 32 MiB
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
        libc.mallopt(-2, 1 << 28)  # M_TOP_PAD
    except (OSError, AttributeError):
        pass


def _progress(total: int, initial: int, enabled: bool, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, desc=desc, unit="step")
