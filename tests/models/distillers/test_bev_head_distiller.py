"""BEVHeadDistiller writes the BEV + head wiring of the LiDAR configs."""
import pytest
from torch import nn

from mmkd.models.distillers import BEVHeadDistiller


class TinyDetector(nn.Module):
    def __init__(self):
        super().__init__()
        self.neck = nn.Conv2d(2, 2, 1)
        self.bbox_head = nn.Module()
        self.bbox_head.conv_cls = nn.Conv2d(2, 3, 1)
        self.bbox_head.conv_reg = nn.Conv2d(2, 7, 1)


def test_generated_wiring():
    distiller = BEVHeadDistiller(point_cloud_range=[0, -10, -3, 20, 10, 1], bev_weight=0.5, foreground_weight=3.0)
    assert sorted(distiller.losses) == ['loss_bev', 'loss_head']
    assert distiller.losses['loss_bev'].loss_weight == 0.5
    assert distiller.losses['loss_bev'].foreground_weight == 3.0
    assert sorted(distiller.recorder_cfgs['student']) == ['bev', 'cls', 'reg']
    distiller.prepare(dict(student=TinyDetector(), teacher=TinyDetector()))


def test_a_term_can_be_dropped_but_not_both():
    head_only = BEVHeadDistiller(point_cloud_range=[0, -10, -3, 20, 10, 1], bev_weight=0)
    assert sorted(head_only.losses) == ['loss_head']
    with pytest.raises(ValueError, match='nothing to distil'):
        BEVHeadDistiller(point_cloud_range=[0, -10, -3, 20, 10, 1], bev_weight=0, head_weight=0)
