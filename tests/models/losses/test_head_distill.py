"""Head distillation of dense sigmoid heads: hand-computed values."""
import math

import pytest
import torch
from mmengine.structures import InstanceData

from mmkd.models.losses import HeadDistillLoss, masked_l1_loss, sigmoid_kl_loss, sigmoid_mse_loss


class Sample:
    def __init__(self, boxes):
        self.gt_instances_3d = InstanceData(bboxes_3d=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 7))


def bernoulli_kl(p, q):
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def test_sigmoid_kl_by_hand():
    s = torch.zeros(1, 1, 1, 2)
    t = torch.tensor([[[[math.log(3.0), 0.0]]]])          # p_T = 0.75 and 0.5; p_S = 0.5
    expected = (bernoulli_kl(0.75, 0.5) + 0.0) / 2
    assert sigmoid_kl_loss(s, t).item() == pytest.approx(expected, rel=1e-5)
    # temperature 2: p_T = sigmoid(ln(3) / 2) = sqrt(3) / (1 + sqrt(3)), times T^2
    p = math.sqrt(3) / (1 + math.sqrt(3))
    assert sigmoid_kl_loss(s, t, 2.0).item() == pytest.approx(4 * bernoulli_kl(p, 0.5) / 2, rel=1e-5)
    assert sigmoid_kl_loss(t, t).item() == pytest.approx(0.0, abs=1e-7)


def test_sigmoid_mse_by_hand():
    s = torch.zeros(1, 1, 1, 2)
    t = torch.tensor([[[[math.log(3.0), 0.0]]]])
    assert sigmoid_mse_loss(s, t).item() == pytest.approx(0.25 ** 2 / 2)


def test_masked_l1_by_hand():
    s = torch.tensor([[[[1.0, -2.0], [3.0, 4.0]]]])         # C = 1
    t = torch.zeros_like(s)
    w = torch.tensor([[[1.0, 1.0], [0.0, 0.0]]])
    assert masked_l1_loss(s, t, w).item() == pytest.approx(1.5)
    assert masked_l1_loss(s, t, torch.zeros_like(w)).item() == 0.0


def test_module_combines_terms_with_weights():
    pcr = [0, 0, -3, 4, 4, 1]
    cls_s, cls_t = torch.zeros(1, 1, 2, 2), torch.full((1, 1, 2, 2), math.log(3.0))
    reg_s = torch.tensor([[[[1.0, -2.0], [3.0, 4.0]]]])
    reg_t = torch.zeros_like(reg_s)
    loss = HeadDistillLoss(loss_weight=2.0, cls_weight=1.0, reg_weight=0.5, point_cloud_range=pcr)
    # GT footprint: the cell (x=1, y=1) = row 0, column 0 -> |1 - 0| = 1
    out = loss(cls_s, cls_t, reg_s, reg_t, [Sample([[1.0, 1.0, -1.0, 1.5, 1.5, 1.0, 0.0]])])
    assert out.item() == pytest.approx(2.0 * (bernoulli_kl(0.75, 0.5) + 0.5 * 1.0), rel=1e-5)
    cls_only = HeadDistillLoss(reg_weight=0.0, cls_mode='mse')
    assert cls_only(cls_s, cls_t).item() == pytest.approx(0.0625)


def test_bad_inputs_fail_clearly():
    with pytest.raises(ValueError, match='cls_mode'):
        HeadDistillLoss(cls_mode='ce', reg_weight=0)
    with pytest.raises(ValueError, match='point_cloud_range'):
        HeadDistillLoss()
    with pytest.raises(ValueError, match='reg_S'):
        HeadDistillLoss(point_cloud_range=[0, 0, -3, 4, 4, 1])(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match='same shape'):
        sigmoid_kl_loss(torch.zeros(1, 2), torch.zeros(1, 3))
