"""Linear CKA on cases whose value is known."""
import numpy as np
import pytest
import torch

from mmkd.analysis import cka_matrix, linear_cka


@pytest.fixture
def features():
    g = torch.Generator().manual_seed(0)
    return torch.randn(200, 12, generator=g, dtype=torch.float64)


def test_identity_is_one(features):
    assert linear_cka(features, features) == pytest.approx(1.0, abs=1e-12)


def test_invariant_to_orthogonal_transform_and_isotropic_scale(features):
    g = torch.Generator().manual_seed(1)
    other = features @ torch.randn(12, 7, generator=g, dtype=torch.float64) + 0.5 * torch.randn(
        200, 7, generator=g, dtype=torch.float64)
    q, _ = torch.linalg.qr(torch.randn(12, 12, generator=g, dtype=torch.float64))
    base = linear_cka(features, other)
    assert 0.1 < base < 0.99
    assert linear_cka(features @ q * 3.7, other) == pytest.approx(base, rel=1e-9)
    assert linear_cka(features, other * 0.01 + 5.0) == pytest.approx(base, rel=1e-9)  # shift: centred away


def test_one_dimensional_features_give_squared_correlation():
    x = torch.tensor([[1.0], [2.0], [3.0], [5.0], [4.0]])
    y = torch.tensor([[2.0], [1.0], [4.0], [4.5], [6.0]])
    r = np.corrcoef(x[:, 0].numpy(), y[:, 0].numpy())[0, 1]
    assert linear_cka(x, y) == pytest.approx(r ** 2, rel=1e-9)


def test_independent_features_are_near_zero():
    g = torch.Generator().manual_seed(2)
    x, y = torch.randn(2000, 4, generator=g), torch.randn(2000, 4, generator=g)
    assert linear_cka(x, y) < 0.02


def test_maps_are_flattened_per_image_and_matrix_layout(features):
    maps = features.reshape(200, 3, 2, 2)
    assert linear_cka(maps, features) == pytest.approx(1.0, abs=1e-12)
    m = cka_matrix([features, features[:, :3]], [features, features[:, 3:], features[:, :3]])
    assert m.shape == (2, 3) and m[0, 0] == pytest.approx(1.0) and m[1, 2] == pytest.approx(1.0)


def test_errors():
    with pytest.raises(ValueError, match='same number of images'):
        linear_cka(torch.randn(5, 2), torch.randn(6, 2))
    with pytest.raises(ValueError, match='constant'):
        linear_cka(torch.ones(5, 2), torch.randn(5, 2))
