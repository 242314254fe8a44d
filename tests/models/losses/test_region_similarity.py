"""Region-level content-aware loss (MGD-SSSS): cosine-similarity matrices of pooled regions."""
import math

import pytest
import torch

from mmkd.models.losses import RegionSimilarityLoss, cosine_similarity_matrix, region_similarity_loss


def test_cosine_similarity_diagonal_is_one_and_hand_values():
    feats = torch.randn(2, 5, 49)
    sim = cosine_similarity_matrix(feats)
    assert sim.shape == (2, 49, 49)
    torch.testing.assert_close(torch.diagonal(sim, dim1=1, dim2=2), torch.ones(2, 49))
    # hand: columns (1, 0), (0, 1), (1, 1): cos = 0 between the first two, 1/sqrt(2) with the third
    hand = torch.tensor([[[1., 0., 1.], [0., 1., 1.]]])
    expected = torch.tensor([[1., 0., 1 / math.sqrt(2)], [0., 1., 1 / math.sqrt(2)],
                             [1 / math.sqrt(2), 1 / math.sqrt(2), 1.]])
    torch.testing.assert_close(cosine_similarity_matrix(hand)[0], expected)


def test_zero_region_gives_zero_similarity_not_nan():
    feats = torch.zeros(1, 3, 4)
    feats[0, :, 0] = 1.0
    sim = cosine_similarity_matrix(feats)
    assert torch.isfinite(sim).all() and sim[0, 1, 0] == 0


def test_region_loss_zero_for_identical_features_and_channel_count_free():
    feats = torch.randn(2, 16, 14, 28)
    assert region_similarity_loss(feats, feats).item() == pytest.approx(0.0, abs=1e-10)
    # a student with other channels and size still compares (49 x 49 matrices)
    value = region_similarity_loss(torch.randn(2, 8, 16, 32), feats)
    assert value.item() > 0


def test_region_loss_invariant_to_per_position_rescaling():
    teacher = torch.randn(2, 6, 7, 7)  # 7x7: pooling is the identity, so a per-region scale is exact
    student = torch.randn(2, 4, 7, 7)
    scale = torch.rand(2, 1, 7, 7) * 5 + 0.1
    base = region_similarity_loss(student, teacher)
    torch.testing.assert_close(region_similarity_loss(student * scale, teacher), base)
    torch.testing.assert_close(region_similarity_loss(student, teacher * scale), base)


def test_region_loss_hand_value_and_weight():
    # 1x1 pooling grid: one region, similarity 1 for both -> 0; use 2 regions side by side instead
    s = torch.tensor([[[[1., 0.]], [[0., 1.]]]])  # (1, 2, 1, 2): regions (1, 0) and (0, 1): cos 0
    t = torch.tensor([[[[1., 1.]], [[0., 0.]]]])  # regions (1, 0) and (1, 0): cos 1
    # matrices [[1, 0], [0, 1]] vs [[1, 1], [1, 1]]: mean squared difference = 2 / 4
    loss = RegionSimilarityLoss(pool_size=(1, 2), loss_weight=100.0)
    assert loss(s, t).item() == pytest.approx(100.0 * 0.5)


def test_region_loss_bad_input():
    with pytest.raises(ValueError, match='RegionSimilarity'):
        region_similarity_loss(torch.randn(2, 3, 8), torch.randn(2, 3, 8))
    with pytest.raises(ValueError, match='batch size'):
        region_similarity_loss(torch.randn(2, 3, 8, 8), torch.randn(3, 3, 8, 8))
    with pytest.raises(ValueError, match=r'\(N, C, P\)'):
        cosine_similarity_matrix(torch.randn(2, 3, 4, 4))
