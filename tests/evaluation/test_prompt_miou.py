"""Prompt mIoU on hand-made masks with hand-computed IoUs."""
import math

import numpy as np
import pytest
import torch

from mmkd.evaluation import PromptMIoU
from mmkd.registry import METRICS


def box_mask(h, w, y0, y1, x0, x1):
    m = torch.zeros(h, w, dtype=torch.bool)
    m[y0:y1, x0:x1] = True
    return m


def test_hand_computed_ious():
    # image 1: two 4x4 instances (16 px)
    gt1 = torch.stack([box_mask(8, 8, 0, 4, 0, 4), box_mask(8, 8, 4, 8, 4, 8)])
    point1 = torch.stack([box_mask(8, 8, 0, 4, 0, 4),          # exact: IoU 1
                          box_mask(8, 8, 4, 8, 4, 6)])         # half of it: 8 / 16 = 0.5
    box1 = torch.stack([box_mask(8, 8, 0, 4, 0, 8),            # twice as wide: 16 / 32 = 0.5
                        torch.zeros(8, 8, dtype=torch.bool)])  # nothing: 0
    # image 2: one 2x2 instance; predictions as logits (> 0 is foreground)
    gt2 = box_mask(6, 6, 0, 2, 0, 2)[None].numpy().astype(np.uint8)
    point2 = torch.full((1, 6, 6), -5.0)
    point2[0, 0:2, 0:4] = 5.0                                  # 4 / 8 = 0.5
    box2 = torch.full((1, 6, 6), -5.0)
    box2[0, 0:1, 0:1] = 5.0                                    # 1 / 4 = 0.25
    metric = METRICS.build(dict(type='mmkd.PromptMIoU'))
    metric.process(None, [dict(gt_masks=gt1, pred_masks=dict(point=point1, box=box1)),
                          dict(gt_masks=gt2, pred_masks=dict(point=point2, box=box2))])
    result = metric.compute_metrics(metric.results)
    # mean over the 3 instances, not over images
    assert result['point_mIoU'] == pytest.approx((1 + 0.5 + 0.5) / 3 * 100)
    assert result['box_mIoU'] == pytest.approx((0.5 + 0 + 0.25) / 3 * 100)


def test_bitmap_masks_and_single_prompt_kind():
    from mmdet.structures.mask import BitmapMasks
    gt = BitmapMasks(np.stack([box_mask(4, 4, 0, 2, 0, 2).numpy()]).astype(np.uint8), 4, 4)
    metric = PromptMIoU(prompt_types=('point',))
    metric.process(None, [dict(gt_masks=gt, pred_masks=dict(point=box_mask(4, 4, 0, 2, 0, 1)[None]))])
    assert metric.compute_metrics(metric.results) == dict(point_mIoU=pytest.approx(50.0))
    assert math.isnan(PromptMIoU(prompt_types=('point',)).compute_metrics([])['point_mIoU'])


def test_missing_fields_and_shape_errors():
    gt = torch.ones(2, 4, 4, dtype=torch.bool)
    with pytest.raises(KeyError, match='needs gt_masks and pred_masks'):
        PromptMIoU().process(None, [dict(gt_masks=gt)])
    with pytest.raises(KeyError, match=r"pred_masks has no 'box' entry"):
        PromptMIoU().process(None, [dict(gt_masks=gt, pred_masks=dict(point=gt))])
    with pytest.raises(ValueError, match=r"pred_masks\['point'\] has shape \(1, 4, 4\) but gt_masks \(2, 4, 4\)"):
        PromptMIoU(prompt_types=('point',)).process(None, [dict(gt_masks=gt, pred_masks=dict(point=gt[:1]))])
    with pytest.raises(ValueError, match='at least one prompt kind'):
        PromptMIoU(prompt_types=())
