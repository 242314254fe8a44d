"""Proposals for OAKE: GT boxes first, then deterministic jittered copies inside the image."""
import pytest
import torch

from mmkd.models.oadp import gt_jitter_proposals, jitter_boxes


def test_jitter_bounds_and_zero_amount():
    boxes = torch.tensor([[10.0, 20.0, 30.0, 60.0]])  # w 20, h 40, centre (20, 40)
    assert torch.equal(jitter_boxes(boxes, 0.0), boxes)
    copies = jitter_boxes(boxes.repeat(200, 1), 0.1, torch.Generator().manual_seed(0))
    centre, wh = (copies[:, :2] + copies[:, 2:]) / 2, copies[:, 2:] - copies[:, :2]
    assert ((centre - torch.tensor([20.0, 40.0])).abs() <= torch.tensor([2.0, 4.0]) + 1e-5).all()
    ratio = wh / torch.tensor([20.0, 40.0])
    low, high = torch.exp(torch.tensor(-0.1)), torch.exp(torch.tensor(0.1))
    assert (ratio >= low - 1e-6).all() and (ratio <= high + 1e-6).all()
    assert copies.std(0).min() > 0.1  # really random
    with pytest.raises(ValueError, match='amount'):
        jitter_boxes(boxes, -0.1)


def test_gt_first_copies_clipped_small_dropped_and_reproducible():
    gt = torch.tensor([[0.0, 0.0, 20.0, 20.0], [50.0, 50.0, 52.0, 60.0]])  # the second is 2 px wide: dropped
    props = gt_jitter_proposals(gt, (64, 64), num_jitter=3, amount=0.3, seed=1, sample_index=7)
    assert torch.equal(props[0], gt[0]) and len(props) == 1 + 3  # its 3 copies; the thin box and its copies go
    assert (props >= 0).all() and (props <= 64).all()
    again = gt_jitter_proposals(gt, (64, 64), num_jitter=3, amount=0.3, seed=1, sample_index=7)
    other = gt_jitter_proposals(gt, (64, 64), num_jitter=3, amount=0.3, seed=1, sample_index=8)
    assert torch.equal(props, again) and not torch.equal(props, other)
    assert gt_jitter_proposals(torch.zeros(0, 4), (64, 64)).shape == (0, 4)
