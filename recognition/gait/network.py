"""The gait network: a residual graph-convolution network on the COCO-17 skeleton.

GaitGraph family (Teepe et al., GaitGraph, ICIP 2021; GaitGraph2, CVPRW 2022), built on ResGCN
(Song et al. 2020): three input branches (joint positions, velocities, bones) each pass through a
few graph-convolution blocks, are concatenated, and a main stream of bottleneck blocks with
temporal striding follows; global average pooling over time and joints and a linear layer give a
128-d L2-normalised embedding. The graph convolution uses ST-GCN's spatial partition (the joint
itself, neighbours closer to the root, neighbours further away) with learnable edge importance.

Input: normalised keypoints [B, T, 17, C] (C >= 2: x, y, optionally confidence), as produced by
recognition.gait.normalize. The confidence channel is only read when ``use_confidence`` is set.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from recognition.gait.skeleton import BONES, EDGES, JOINT_INDEX, NUM_JOINTS

ARCHITECTURE = "gaitgraph2-resgcn"
ENSEMBLE_ARCHITECTURE = "gaitgraph2-resgcn-ensemble"


def spatial_adjacency(root: int = 0) -> np.ndarray:
    """[3, V, V] normalised adjacency: self, centripetal, centrifugal (ST-GCN partition)."""
    v = NUM_JOINTS
    adj = np.zeros((v, v))
    for a, b in EDGES:
        adj[a, b] = adj[b, a] = 1
    # hop distance from the root
    hop = np.full(v, np.inf)
    hop[root] = 0
    frontier = [root]
    while frontier:
        nxt = []
        for i in frontier:
            for j in np.flatnonzero(adj[i]):
                if hop[j] == np.inf:
                    hop[j] = hop[i] + 1
                    nxt.append(j)
        frontier = nxt
    parts = np.zeros((3, v, v))
    for i in range(v):
        for j in range(v):
            if i == j:
                parts[0, i, j] = 1
            elif adj[i, j]:
                parts[1 if hop[j] < hop[i] else 2, i, j] = 1
    # normalise by the in-degree of the target joint
    degree = parts.sum(axis=(0, 2))
    return (parts / degree[None, :, None]).astype(np.float32)


@dataclass
class NetworkConfig:
    embedding_dim: int = 128
    branch_channels: tuple[int, ...] = (16, 24)
    main_channels: tuple[int, ...] = (64, 128, 128, 192)
    main_strides: tuple[int, ...] = (2, 1, 2, 1)
    branch_stride: int = 1  # temporal stride of the last branch block
    reduction: int = 4
    temporal_kernel: int = 9
    dropout: float = 0.1
    use_confidence: bool = False
    joint_bn: bool = True
    adaptive_graph: bool = True
    head: str = "joints"  # "joints": per-joint features -> linear; "pool": average over joints
    head_channels: int = 48
    branches: tuple[str, ...] = ("joint", "velocity", "bone")
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, tuple):
                d[k] = list(v)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> NetworkConfig:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        for k, v in known.items():
            if isinstance(v, list):
                known[k] = tuple(v)
        return cls(**known)


class GraphConv(nn.Module):
    """Spatial graph convolution: sum over partitions k of A_k-weighted neighbour features.

    A_k is the fixed skeleton partition times a learned edge importance; with ``adaptive``, a
    learned dense offset (2s-AGCN's B_k, initialised at zero) lets distant joints (a wrist and
    the opposite ankle) exchange information within one layer.
    """

    def __init__(self, c_in: int, c_out: int, adjacency: torch.Tensor, adaptive: bool = False):
        super().__init__()
        self.k = adjacency.shape[0]
        self.register_buffer("adjacency", adjacency, persistent=False)
        self.importance = nn.Parameter(torch.ones_like(adjacency))
        self.offset = nn.Parameter(torch.zeros_like(adjacency)) if adaptive else None
        self.conv = nn.Conv2d(c_in, c_out * self.k, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, C, T, V]
        b, _, t, v = x.shape
        y = self.conv(x).view(b, self.k, -1, t, v)
        a = self.adjacency * self.importance
        if self.offset is not None:
            a = a + self.offset
        return torch.einsum("bkctv,kvw->bctw", y, a)


class SpatialBlock(nn.Module):
    """Graph convolution with a residual; bottleneck when ``reduction`` > 1."""

    def __init__(self, c_in, c_out, adjacency, reduction: int = 1, adaptive: bool = False):
        super().__init__()
        mid = max(8, c_out // reduction)
        if reduction > 1:
            self.down = nn.Sequential(nn.Conv2d(c_in, mid, 1), nn.BatchNorm2d(mid), nn.ReLU())
            self.gcn = GraphConv(mid, mid, adjacency, adaptive)
            self.up = nn.Sequential(nn.BatchNorm2d(mid), nn.ReLU(), nn.Conv2d(mid, c_out, 1))
        else:
            self.down = nn.Identity()
            self.gcn = GraphConv(c_in, c_out, adjacency, adaptive)
            self.up = nn.Identity()
        self.bn = nn.BatchNorm2d(c_out)
        self.residual = (
            nn.Identity()
            if c_in == c_out
            else nn.Sequential(nn.Conv2d(c_in, c_out, 1), nn.BatchNorm2d(c_out))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.up(self.gcn(self.down(x)))) + self.residual(x))


class TemporalBlock(nn.Module):
    def __init__(self, channels, kernel: int, stride: int = 1, reduction: int = 1) -> None:
        super().__init__()
        mid = max(8, channels // reduction)
        pad = (kernel - 1) // 2
        layers: list[nn.Module] = []
        if reduction > 1:
            layers += [nn.Conv2d(channels, mid, 1), nn.BatchNorm2d(mid), nn.ReLU()]
        layers += [nn.Conv2d(mid, mid, (kernel, 1), (stride, 1), (pad, 0)), nn.BatchNorm2d(mid)]
        if reduction > 1:
            layers += [nn.ReLU(), nn.Conv2d(mid, channels, 1), nn.BatchNorm2d(channels)]
        self.body = nn.Sequential(*layers)
        self.residual = (
            nn.Identity()
            if stride == 1
            else nn.Sequential(
                nn.Conv2d(channels, channels, 1, (stride, 1)), nn.BatchNorm2d(channels)
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.body(x) + self.residual(x))


class JointBatchNorm(nn.Module):
    """Batch norm with its own statistics and affine parameters per joint and channel.

    ST-GCN's ``data_bn``: besides scaling inputs whose spread differs from joint to joint (an
    ankle moves much more than a shoulder), it is what tells otherwise weight-shared graph
    convolutions which joint is which.
    """

    def __init__(self, channels: int, joints: int = NUM_JOINTS) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(channels * joints)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, C, T, V]
        b, c, t, v = x.shape
        y = self.bn(x.permute(0, 3, 1, 2).reshape(b, v * c, t))
        return y.view(b, v, c, t).permute(0, 2, 3, 1).contiguous()


class ResGCNModule(nn.Module):
    def __init__(self, c_in, c_out, adjacency, kernel, stride=1, reduction=1, adaptive=False):
        super().__init__()
        self.spatial = SpatialBlock(c_in, c_out, adjacency, reduction, adaptive)
        self.temporal = TemporalBlock(c_out, kernel, stride, reduction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.temporal(self.spatial(x))


_HIPS = (JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"])
_BONE_CHILD = [c for c, _ in BONES]
_BONE_PARENT = [p for _, p in BONES]


def input_features(x: torch.Tensor, branches, use_confidence: bool) -> list[torch.Tensor]:
    """Branch inputs [B, C, T, V] from normalised keypoints [B, T, V, C]."""
    xy = x[..., :2]
    out = []
    for name in branches:
        if name == "joint":
            hip = xy[:, :, list(_HIPS)].mean(2, keepdim=True)
            feat = torch.cat([xy, xy - hip], -1)
        elif name == "velocity":
            v1 = torch.zeros_like(xy)
            v2 = torch.zeros_like(xy)
            v1[:, 1:] = xy[:, 1:] - xy[:, :-1]
            v2[:, 2:] = xy[:, 2:] - xy[:, :-2]
            feat = torch.cat([v1, v2], -1)
        elif name == "bone":
            bone = torch.zeros_like(xy)
            bone[:, :, _BONE_CHILD] = xy[:, :, _BONE_CHILD] - xy[:, :, _BONE_PARENT]
            length = bone.norm(dim=-1, keepdim=True).clamp_min(1e-4)
            feat = torch.cat([bone, bone / length], -1)
        else:
            raise ValueError(f"unknown branch {name!r}")
        if use_confidence:
            feat = torch.cat([feat, x[..., 2:3]], -1)
        out.append(feat.permute(0, 3, 1, 2).contiguous())
    return out


class GaitGraphNet(nn.Module):
    def __init__(self, config: NetworkConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or NetworkConfig()
        adjacency = torch.from_numpy(spatial_adjacency())
        c_in = 4 + int(config.use_confidence)
        k = config.temporal_kernel
        self.branches = nn.ModuleList()
        for _ in config.branches:
            layers: list[nn.Module] = []
            prev = c_in
            for i, c in enumerate(config.branch_channels):
                layers.append(
                    ResGCNModule(prev, c, adjacency, k, 1, 1 if i == 0 else config.reduction)
                )
                prev = c
            norm = JointBatchNorm(c_in) if config.joint_bn else nn.BatchNorm2d(c_in)
            self.branches.append(nn.Sequential(norm, *layers))
        prev = config.branch_channels[-1] * len(config.branches)
        main = []
        for c, s in zip(config.main_channels, config.main_strides, strict=True):
            main.append(
                ResGCNModule(prev, c, adjacency, k, s, config.reduction, config.adaptive_graph)
            )
            prev = c
        self.main = nn.Sequential(*main)
        self.dropout = nn.Dropout(config.dropout)
        if config.head == "joints":
            self.reduce = nn.Sequential(
                nn.Conv2d(prev, config.head_channels, 1), nn.BatchNorm2d(config.head_channels)
            )
            self.fc = nn.Linear(config.head_channels * NUM_JOINTS, config.embedding_dim)
        elif config.head == "pool":
            self.reduce = None
            self.fc = nn.Linear(prev, config.embedding_dim)
        else:
            raise ValueError(f"unknown head {config.head!r}")

    @property
    def embedding_dim(self) -> int:
        return self.config.embedding_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, T, 17, C] normalised keypoints -> [B, embedding_dim] unit vectors."""
        feats = input_features(x, self.config.branches, self.config.use_confidence)
        y = torch.cat([branch(f) for branch, f in zip(self.branches, feats, strict=True)], 1)
        y = self.main(y)
        # the "joints" head keeps which joint a feature came from; "pool" averages them away
        y = self.reduce(y).mean(dim=2).flatten(1) if self.reduce is not None else y.mean((2, 3))
        return F.normalize(self.fc(self.dropout(y)), dim=-1)


@dataclass
class EnsembleConfig:
    """The member networks' configs and the weight of each member's embedding."""

    members: tuple[NetworkConfig, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.members) < 2:
            raise ValueError("an ensemble needs at least two member networks")
        if len(self.weights) != len(self.members) or not all(
            math.isfinite(w) and w > 0 for w in self.weights
        ):
            raise ValueError("an ensemble needs one positive weight per member")

    @property
    def embedding_dim(self) -> int:
        return sum(m.embedding_dim for m in self.members)

    def to_dict(self) -> dict:
        return {"members": [m.to_dict() for m in self.members], "weights": list(self.weights)}

    @classmethod
    def from_dict(cls, d: dict) -> EnsembleConfig:
        members = tuple(NetworkConfig.from_dict(m) for m in d["members"])
        return cls(members, tuple(float(w) for w in d["weights"]))


class GaitGraphEnsemble(nn.Module):
    """Several independently trained gait networks reading the same clip.

    The output is the concatenation of the members' unit embeddings, each scaled by its weight,
    with the weights normalised to unit length so that the result is a unit vector too: the
    cosine similarity of two outputs is the weighted mean of the members' cosine similarities.
    Networks trained apart make partly independent errors, which the mean averages out.

    The members run one after the other, so a clip costs the sum of the members' times. (Run as
    parallel TorchScript tasks with ``torch.jit.fork`` they overlapped on the 2 cores here, but
    the process then aborted at exit in 2 of 3 runs with torch 2.13: "terminate called without
    an active exception".)
    """

    def __init__(self, members: list[GaitGraphNet], weights: list[float] | None = None) -> None:
        super().__init__()
        weights = list(weights) if weights is not None else [1.0] * len(members)
        self.config = EnsembleConfig(tuple(m.config for m in members), tuple(weights))
        self.members = nn.ModuleList(members)
        scale = torch.tensor(weights, dtype=torch.float32)
        self.register_buffer("scale", scale / scale.norm(), persistent=False)

    @property
    def embedding_dim(self) -> int:
        return self.config.embedding_dim

    @property
    def parts(self) -> list[tuple[int, float]]:
        """(embedding size, scale) of each member's slice of the output, in order."""
        scales = self.scale.tolist()
        return [(m.embedding_dim, s) for m, s in zip(self.config.members, scales, strict=True)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, T, 17, C] normalised keypoints -> [B, embedding_dim] unit vectors."""
        parts = [member(x) * self.scale[i] for i, member in enumerate(self.members)]
        return torch.cat(parts, dim=-1)


# What a checkpoint holds and the embedder runs: one network or an ensemble of them.
GaitNetwork = GaitGraphNet | GaitGraphEnsemble


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
