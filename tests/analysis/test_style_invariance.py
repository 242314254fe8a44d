"""Place-wise cosine of the style-invariance analysis, on tensors whose cosines are known."""
import math

import pytest
import torch

from mmkd.analysis.style_invariance import same_place_cosine, style_invariance


def test_same_place_cosine_averages_over_frames_and_places():
    source = torch.zeros(1, 2, 1, 2)
    target = torch.zeros(1, 2, 1, 2)
    source[0, :, 0, 0] = torch.tensor([1., 0.])
    target[0, :, 0, 0] = torch.tensor([0., 1.])  # orthogonal: 0
    source[0, :, 0, 1] = torch.tensor([1., 1.])
    target[0, :, 0, 1] = torch.tensor([2., 2.])  # parallel, any length: 1
    assert same_place_cosine(source, target) == pytest.approx(0.5)


def test_tokens_use_the_last_dimension_as_channels():
    source = torch.tensor([[[1., 0.], [1., 1.]]])  # (N=1, L=2, C=2)
    target = torch.tensor([[[1., 1.], [-1., -1.]]])
    assert same_place_cosine(source, target) == pytest.approx((1 / math.sqrt(2) - 1) / 2)


def test_other_frame_baseline_pairs_each_frame_with_the_next():
    frames = torch.randn(3, 4, 2, 2)
    shifted = torch.roll(frames, shifts=1, dims=0)  # target of frame i is source of frame i - 1
    result = style_invariance(frames, shifted)
    # rolling back by one lines target i + 1 up with source i: the baseline is exact, the same-frame one is not
    assert result['other'] == pytest.approx(1.0)
    assert result['same'] < 0.99


def test_mismatched_shapes_and_single_frames_are_refused():
    with pytest.raises(ValueError, match='differ in shape'):
        same_place_cosine(torch.zeros(1, 2, 2, 2), torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match='at least 2 frames'):
        style_invariance(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, 2))


def test_centring_removes_the_common_offset_but_keeps_a_style_shift():
    torch.manual_seed(0)
    pattern = torch.randn(4, 8, 3, 3)
    source = pattern + 10.0  # a large offset shared by every frame (as ReLU features have)
    unrelated = torch.randn(4, 8, 3, 3) + 10.0
    raw = style_invariance(source, unrelated, centre=False)
    assert raw['same'] > 0.95  # the offset alone makes unrelated frames look alike
    centred = style_invariance(source, unrelated)
    assert abs(centred['same']) < 0.3
    # a style that shifts every feature by the same vector: centred by the source mean, the shift counts
    shifted = style_invariance(source, source + 3.0 * torch.ones(1, 8, 1, 1))
    assert shifted['same'] < 0.5
    assert style_invariance(source, source.clone())['same'] == pytest.approx(1.0)
