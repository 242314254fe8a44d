import pytest
import torch
from torch import nn

from mmkd.models.connectors import MGDConnector
from mmkd.models.losses import MGDLoss
from mmkd.registry import MODELS


def capture_masks(conn):
    """Record every mask the connector draws."""
    masks, draw = [], conn.random_mask

    def recording(feature):
        mask = draw(feature)
        masks.append(mask)
        return mask
    conn.random_mask = recording
    return masks


def test_layout_and_registry():
    conn = MODELS.build(dict(type='mmkd.MGDConnector', student_channels=4, teacher_channels=8))
    assert isinstance(conn, MGDConnector) and conn.lambda_mgd == 0.65 and not conn.mask_on_channel
    assert isinstance(conn.align, nn.Conv2d) and conn.align.kernel_size == (1, 1) and conn.align.bias is not None
    g = conn.generation
    assert [type(m) for m in g] == [nn.Conv2d, nn.ReLU, nn.Conv2d]
    assert all(m.kernel_size == (3, 3) and m.padding == (1, 1) and m.in_channels == m.out_channels == 8
               for m in (g[0], g[2]))
    assert isinstance(MGDConnector(8, 8).align, nn.Identity)
    assert conn(torch.randn(2, 4, 5, 6)).shape == (2, 8, 5, 6)


def test_lambda_zero_identity_generator_gives_zero_loss():
    conn = MGDConnector(4, 4, lambda_mgd=0.0)
    masks = capture_masks(conn)
    conn.generation = nn.Identity()
    f = torch.randn(3, 4, 6, 6)
    out = conn(f)
    assert torch.equal(masks[0], torch.ones(3, 1, 6, 6))
    assert torch.equal(out, f)
    assert MGDLoss(alpha_mgd=1.0)(out, f.clone()).item() == 0.0


@pytest.mark.parametrize('lam', [0.65, 0.75, 0.15])
def test_spatial_mask_ratio(lam):
    torch.manual_seed(0)
    mask = MGDConnector(1, 1, lambda_mgd=lam).random_mask(torch.zeros(64, 1, 32, 32))
    assert mask.shape == (64, 1, 32, 32)
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    assert abs((mask == 0).float().mean().item() - lam) < 0.01
    # not shared across the batch
    assert not all(torch.equal(mask[0], mask[i]) for i in range(1, 64))


def test_channel_mask_shape_and_ratio():
    torch.manual_seed(1)
    conn = MGDConnector(256, 256, lambda_mgd=0.15, mask_on_channel=True)
    mask = conn.random_mask(torch.zeros(64, 256, 2, 2))
    assert mask.shape == (64, 256, 1, 1)
    assert abs((mask == 0).float().mean().item() - 0.15) < 0.01


def test_mask_resampled_every_call_in_training_only():
    torch.manual_seed(2)
    conn = MGDConnector(4, 4, lambda_mgd=0.5)
    f = torch.randn(2, 4, 8, 8)
    conn.train()
    assert not torch.equal(conn(f), conn(f))
    conn.eval()
    masks = capture_masks(conn)
    out = conn(f)
    assert masks == []
    assert torch.equal(out, conn.generation(f))
    assert torch.equal(out, conn(f))


def test_masked_student_pixels_get_zero_gradient():
    torch.manual_seed(3)
    conn = MGDConnector(4, 4, lambda_mgd=0.5)  # no align conv
    masks = capture_masks(conn)
    f_s = torch.randn(2, 4, 8, 8, requires_grad=True)
    f_t = torch.randn(2, 4, 8, 8)
    loss = MGDLoss(alpha_mgd=1.0)(conn(f_s), f_t)
    loss.backward()
    masked = (masks[0] == 0).expand_as(f_s)
    assert masked.any() and (~masked).any()
    assert torch.all(f_s.grad[masked] == 0)
    assert f_s.grad[~masked].abs().sum() > 0
    assert f_t.grad is None
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in conn.generation.parameters())


def test_align_conv_gets_gradient_and_levels_share_the_connector():
    conn = MGDConnector(4, 8, lambda_mgd=0.65)
    levels = (torch.randn(2, 4, 8, 8), torch.randn(2, 4, 4, 4))
    out = conn(levels)
    assert isinstance(out, tuple) and [tuple(o.shape) for o in out] == [(2, 8, 8, 8), (2, 8, 4, 4)]
    sum(o.sum() for o in out).backward()
    assert conn.align.weight.grad is not None and conn.align.weight.grad.abs().sum() > 0


def test_errors():
    with pytest.raises(ValueError, match=r'expects \(N, 4, H, W\).*\(2, 3, 5, 5\)'):
        MGDConnector(4, 8)(torch.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match='lambda_mgd'):
        MGDConnector(4, 8, lambda_mgd=1.5)
