"""The GaitGraph-family network: shapes, size, unit embeddings."""

from __future__ import annotations

import numpy as np
import torch

from recognition.gait.network import (
    GaitGraphNet,
    NetworkConfig,
    count_parameters,
    spatial_adjacency,
)


def test_default_network_size_and_output():
    torch.manual_seed(0)
    model = GaitGraphNet().eval()
    n = count_parameters(model)
    assert 0.2e6 < n < 0.4e6  # GaitGraph-sized (about 0.3 M parameters)
    with torch.inference_mode():
        out = model(torch.randn(3, 60, 17, 3))
    assert out.shape == (3, 128)
    np.testing.assert_allclose(out.norm(dim=1).numpy(), 1.0, atol=1e-5)


def test_any_clip_length_and_batch_one():
    model = GaitGraphNet().eval()
    with torch.inference_mode():
        assert model(torch.randn(1, 40, 17, 2)).shape == (1, 128)


def test_confidence_channel_is_ignored_unless_enabled():
    torch.manual_seed(0)
    model = GaitGraphNet().eval()
    x = torch.randn(2, 60, 17, 3)
    y = x.clone()
    y[..., 2] = torch.rand(2, 60, 17)
    with torch.inference_mode():
        torch.testing.assert_close(model(x), model(y))
    with_conf = GaitGraphNet(NetworkConfig(use_confidence=True)).eval()
    with torch.inference_mode():
        assert not torch.allclose(with_conf(x), with_conf(y))


def test_adjacency_partitions_are_normalised():
    a = spatial_adjacency()
    assert a.shape == (3, 17, 17)
    np.testing.assert_allclose(a.sum(axis=(0, 2)), 1.0, atol=1e-6)
    assert np.all(np.diag(a[0]) > 0)
