"""GKD's QSD head: shapes, attention rows, the one-token case, a hand computation."""
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.connectors import QSDHead, TokenProjection, TokenSelect
from mmkd.registry import MODELS


def test_shapes_and_softmax_rows_sum_to_one():
    torch.manual_seed(0)
    head = MODELS.build(dict(type='mmkd.QSDHead', in_channels=384, out_channels=768, part='all'))
    s, t = torch.randn(2, 196, 384), torch.randn(2, 196, 768)
    assert head(s, t).shape == (2, 196, 768)
    attn = head.attention(s, t)
    assert attn.shape == (2, 196, 196)
    torch.testing.assert_close(attn.sum(-1), torch.ones(2, 196))


def test_patch_and_cls_parts_select_tokens():
    head = QSDHead(8, 6, part='patches')
    s, t = torch.randn(3, 1 + 10, 8), torch.randn(3, 1 + 10, 6)
    assert head(s, t).shape == (3, 10, 6)
    assert QSDHead(8, 6, part='cls')(s, t).shape == (3, 1, 6)


def test_one_token_output_is_the_value_projection():
    torch.manual_seed(0)
    head = QSDHead(8, 6, part='cls')
    s, t = torch.randn(4, 5, 8), torch.randn(4, 5, 6)
    expected = head.proj_v(head.norm(s[:, :1]))
    torch.testing.assert_close(head(s, t), expected)


def test_hand_computed_attention_without_scaling():
    head = QSDHead(2, 2, part='all')
    with torch.no_grad():  # LN of (a, -a) is (1, -1) (up to eps); q = identity, v = 2 * x
        head.norm.weight.fill_(1)
        head.norm.bias.zero_()
        head.proj_q.weight.copy_(torch.eye(2))
        head.proj_q.bias.zero_()
        head.proj_v.weight.copy_(2 * torch.eye(2))
        head.proj_v.bias.zero_()
    s = torch.tensor([[[3.0, -3.0], [-1.0, 1.0]]])
    keys = torch.tensor([[[1.0, 0.0], [0.0, 2.0]]])
    x = F.layer_norm(s, (2,))  # ~[[1, -1], [-1, 1]]
    logits = x @ keys[0].T  # no 1/sqrt(d): row 0 -> [1, -2], row 1 -> [-1, 2]
    attn = torch.softmax(logits, -1)
    torch.testing.assert_close(head.attention(s, keys), attn)
    torch.testing.assert_close(head(s, keys), attn @ (2 * x))


def test_teacher_keys_get_no_gradient():
    head = QSDHead(4, 4, part='all')
    s, t = torch.randn(2, 3, 4, requires_grad=True), torch.randn(2, 3, 4, requires_grad=True)
    head(s, t).sum().backward()
    assert s.grad is not None and t.grad is None


def test_mismatched_grids_or_widths_fail_clearly():
    head = QSDHead(8, 6)
    with pytest.raises(ValueError, match='same patch grid'):
        head(torch.randn(2, 11, 8), torch.randn(2, 9, 6))
    with pytest.raises(ValueError, match='same patch grid'):
        head(torch.randn(2, 11, 8), torch.randn(2, 11, 5))
    with pytest.raises(ValueError, match='part'):
        QSDHead(8, 6, part='registers')


def test_token_select_and_projection():
    x = torch.arange(2 * 4 * 3, dtype=torch.float32).view(2, 4, 3)
    torch.testing.assert_close(TokenSelect('cls')(x), x[:, :1])
    torch.testing.assert_close(TokenSelect('patches')(x), x[:, 1:])
    proj = TokenProjection(3, 5, part='patches')
    assert proj(x).shape == (2, 3, 5)
    with pytest.raises(ValueError, match='expected 3 channels'):
        proj(torch.randn(2, 4, 7))
