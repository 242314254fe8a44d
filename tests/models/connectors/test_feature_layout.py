"""Feature layouts: tokens <-> maps and the cross-family FitNet regressor."""
import pytest
import torch

from mmkd.models.connectors import FeatureSpec, HeteroHintConnector, TokensToMap


def test_nlc_tokens_become_a_map_without_the_class_token():
    # token 1 + r * W + c is patch (r, c)
    x = torch.arange(2 * (1 + 6) * 3, dtype=torch.float32).reshape(2, 7, 3)
    out = TokensToMap(dict(layout='nlc', channels=3, grid=(2, 3), prefix=1))(x)
    assert out.shape == (2, 3, 2, 3)
    for r in range(2):
        for c in range(3):
            torch.testing.assert_close(out[:, :, r, c], x[:, 1 + r * 3 + c])


def test_nhwc_and_nchw():
    x = torch.randn(2, 4, 5, 3)
    torch.testing.assert_close(TokensToMap(dict(layout='nhwc', channels=3, grid=(4, 5)))(x),
                               x.permute(0, 3, 1, 2))
    m = torch.randn(2, 3, 4, 4)
    assert TokensToMap(dict(layout='nchw', channels=3, grid=4))(m) is m


def test_spec_validation():
    with pytest.raises(ValueError, match='layout must be one of'):
        FeatureSpec.parse(dict(layout='nlhw', channels=3, grid=4))
    with pytest.raises(ValueError, match='prefix tokens only exist in the nlc layout'):
        FeatureSpec.parse(dict(layout='nchw', channels=3, grid=4, prefix=1))
    with pytest.raises(ValueError, match=r'expected a nlc feature of shape \(B, 17, 8\)'):
        TokensToMap(dict(layout='nlc', channels=8, grid=4, prefix=1))(torch.randn(1, 16, 8))


def test_hetero_hint_maps_tokens_to_the_teacher_map():
    # ViT student stage (1 + 8x8 tokens, 64) -> ResNet teacher stage 3 (256, 2x2): pool, regress
    hint = HeteroHintConnector(student=dict(layout='nlc', channels=64, grid=8, prefix=1),
                               teacher=dict(layout='nchw', channels=256, grid=2))
    x = torch.randn(2, 65, 64)
    out = hint(x)
    assert out.shape == (2, 256, 2, 2)
    pooled = x[:, 1:].reshape(2, 8, 8, 64).permute(0, 3, 1, 2).reshape(2, 64, 2, 4, 2, 4).mean((3, 5))
    torch.testing.assert_close(out, hint.regressor(pooled))


def test_hetero_hint_upsamples_a_smaller_student_grid():
    hint = HeteroHintConnector(student=dict(layout='nchw', channels=32, grid=2),
                               teacher=dict(layout='nhwc', channels=48, grid=8))
    assert hint(torch.randn(1, 32, 2, 2)).shape == (1, 48, 8, 8)
