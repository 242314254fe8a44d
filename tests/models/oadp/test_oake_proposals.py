"""Proposals for OAKE: GT boxes first, then deterministic jittered copies inside the image."""
import torch

from mmkd.models.oadp import gt_jitter_proposals


def test_gt_first_copies_clipped_small_dropped_and_reproducible():
    gt = torch.tensor([[0.0, 0.0, 20.0, 20.0], [50.0, 50.0, 52.0, 60.0]])  # the second is 2 px wide: dropped
    props = gt_jitter_proposals(gt, (64, 64), num_jitter=3, amount=0.3, seed=1, sample_index=7)
    assert torch.equal(props[0], gt[0]) and len(props) == 1 + 3  # its 3 copies; the thin box and its copies go
    assert (props >= 0).all() and (props <= 64).all()
    again = gt_jitter_proposals(gt, (64, 64), num_jitter=3, amount=0.3, seed=1, sample_index=7)
    other = gt_jitter_proposals(gt, (64, 64), num_jitter=3, amount=0.3, seed=1, sample_index=8)
    assert torch.equal(props, again) and not torch.equal(props, other)
    assert gt_jitter_proposals(torch.zeros(0, 4), (64, 64)).shape == (0, 4)
