import pytest
import torch

from mmkd.models.connectors import ConvConnector, ResizeConnector


def test_conv_connector_maps_channels_and_sequences():
    conn = ConvConnector(4, 8)
    out = conn(torch.randn(2, 4, 5, 5))
    assert out.shape == (2, 8, 5, 5)
    levels = conn((torch.randn(1, 4, 8, 8), torch.randn(1, 4, 4, 4)))
    assert isinstance(levels, tuple) and [tuple(x.shape) for x in levels] == [(1, 8, 8, 8), (1, 8, 4, 4)]


def test_conv_connector_is_a_1x1_linear_map_by_default():
    conn = ConvConnector(2, 3)
    x = torch.randn(1, 2, 3, 3)
    w, b = conn.conv.conv.weight[:, :, 0, 0], conn.conv.conv.bias
    expected = torch.einsum('oc,nchw->nohw', w, x) + b[None, :, None, None]
    assert torch.allclose(conn(x), expected, atol=1e-6)


def test_conv_connector_rejects_wrong_channels():
    with pytest.raises(ValueError, match=r'expects \(N, 4, H, W\).*\(2, 3, 5, 5\)'):
        ConvConnector(4, 8)(torch.randn(2, 3, 5, 5))


def test_resize_connector():
    assert ResizeConnector(size=(6, 10))(torch.randn(1, 2, 3, 5)).shape == (1, 2, 6, 10)
    assert ResizeConnector(scale_factor=0.5)(torch.randn(1, 2, 8, 8)).shape == (1, 2, 4, 4)
    with pytest.raises(ValueError, match='exactly one'):
        ResizeConnector()
