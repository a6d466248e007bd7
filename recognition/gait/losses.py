"""Supervised contrastive loss (Khosla et al., NeurIPS 2020), the SupCon "out" form."""

from __future__ import annotations

import torch
from torch import nn


class SupConLoss(nn.Module):
    """Loss over a batch of L2-normalised embeddings [N, D] with integer labels [N].

    For each anchor, the mean over its positives of -log softmax of the positive's similarity
    among all other samples in the batch (similarities divided by ``temperature``). Anchors
    without a positive in the batch are left out.
    """

    def __init__(self, temperature: float = 0.07) -> None:
        super().__init__()
        self.temperature = temperature

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        n = embeddings.shape[0]
        logits = embeddings @ embeddings.T / self.temperature
        self_mask = torch.eye(n, dtype=torch.bool, device=embeddings.device)
        logits = logits.masked_fill(self_mask, float("-inf"))
        log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        positives = (labels[:, None] == labels[None, :]) & ~self_mask
        count = positives.sum(1)
        has = count > 0
        if not has.any():
            return embeddings.sum() * 0.0
        pos_log_prob = log_prob.masked_fill(~positives, 0.0).sum(1)
        return -(pos_log_prob[has] / count[has]).mean()
