"""BEV feature distillation: hand-computed values."""
import pytest
import torch
from mmengine.structures import InstanceData

from mmkd.models.losses import BEVDistillLoss, bev_distill_loss, rasterise_boxes_bev


class Sample:
    def __init__(self, boxes):
        self.gt_instances_3d = InstanceData(bboxes_3d=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 7))


def maps():
    teacher = torch.zeros(1, 2, 2, 2)
    student = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).expand(1, 2, 2, 2).clone()  # both channels
    return student, teacher


def test_plain_mse():
    s, t = maps()
    assert bev_distill_loss(s, t).item() == pytest.approx((1 + 4 + 9 + 16) / 4)


def test_weighted_by_hand():
    s, t = maps()
    w = torch.tensor([[[2.0, 1.0], [1.0, 1.0]]])
    # sum w d^2 = 2*1 + 4 + 9 + 16 = 31 per channel, 2 channels; / (C * sum w) = 2 * 5
    assert bev_distill_loss(s, t, w).item() == pytest.approx(62 / 10)


def test_rasterise_rows_are_y_columns_are_x():
    pcr = [0, 0, -3, 4, 4, 1]  # 2 x 2 cells with centres x, y in {1, 3}
    boxes = torch.tensor([[1.0, 1.0, -1.0, 1.5, 1.5, 1.0, 0.0],        # covers the cell (x=1, y=1)
                          [3.0, 1.0, -1.0, 3.0, 0.5, 1.0, 1.5707963]])  # length along y: (x=3, y=1) only
    assert rasterise_boxes_bev(boxes, pcr, (2, 2)).tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert rasterise_boxes_bev(torch.zeros(0, 7), pcr, (2, 2)).sum() == 0


def test_foreground_weighted_module():
    s, t = maps()
    loss = BEVDistillLoss(point_cloud_range=[0, 0, -3, 4, 4, 1], foreground_weight=3.0, background_weight=1.0,
                          loss_weight=0.5)
    out = loss([s], [t], [Sample([[1.0, 1.0, -1.0, 1.5, 1.5, 1.0, 0.0]])])
    # weights [[3, 1], [1, 1]]: (3*1 + 4 + 9 + 16) * 2 / (2 * 6) = 64 / 12, times 0.5
    assert out.item() == pytest.approx(0.5 * 64 / 12)
    assert BEVDistillLoss()(s, t).item() == pytest.approx(7.5)


def test_bad_inputs_fail_clearly():
    s, t = maps()
    with pytest.raises(ValueError, match='same shape'):
        bev_distill_loss(s, t[:, :1])
    with pytest.raises(ValueError, match='point_cloud_range'):
        BEVDistillLoss(foreground_weight=2.0)
    with pytest.raises(ValueError, match='data_samples'):
        BEVDistillLoss(point_cloud_range=[0, 0, -3, 4, 4, 1], foreground_weight=2.0)(s, t)
    with pytest.raises(KeyError, match='gt_instances_3d'):
        BEVDistillLoss(point_cloud_range=[0, 0, -3, 4, 4, 1], foreground_weight=2.0)(s, t, [object()])
