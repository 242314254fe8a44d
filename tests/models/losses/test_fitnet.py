import pytest
import torch

from mmkd.models.losses import FitNetLoss, fitnet_loss
from mmkd.registry import MODELS


def test_mean_squared_error_by_hand():
    f_s = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    f_t = torch.tensor([[[[0.0, 2.0], [5.0, 1.0]]]])
    # squared differences 1, 0, 4, 9 -> mean 3.5
    assert fitnet_loss(f_s, f_t).item() == pytest.approx(3.5)


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'FitNet.*\(1, 4, 2, 2\) and \(1, 8, 2, 2\)'):
        fitnet_loss(torch.randn(1, 4, 2, 2), torch.randn(1, 8, 2, 2))


def test_module_weight_and_registry():
    f_s, f_t = torch.zeros(1, 1, 2, 2), torch.full((1, 1, 2, 2), 2.0)
    loss = MODELS.build(dict(type='mmkd.FitNetLoss', loss_weight=0.5))
    assert isinstance(loss, FitNetLoss)
    assert loss(preds_S=f_s, preds_T=f_t).item() == pytest.approx(0.5 * 4.0)
