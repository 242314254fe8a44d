"""Hard prompt sampling, points in masks and boxes, checked against the masks they come from."""
import pytest
import torch

from mmkd.models.sam.prompt_sampling import (PAD_LABEL, boxes_from_masks, draw_num_rounds, sample_hard_point_prompts,
                                             sample_points_in_masks)


def inside(coords, labels, region):
    """Whether every labelled (label 1) point lies in its mask of ``region`` (N, H, W)."""
    n_idx, p_idx = torch.nonzero(labels == 1, as_tuple=True)
    x, y = coords[n_idx, p_idx, 0].long(), coords[n_idx, p_idx, 1].long()
    return bool(region[n_idx, y, x].all())


def left_half(n=3, h=8, w=10):
    gt = torch.zeros(n, h, w, dtype=torch.bool)
    gt[:, :, : w // 2] = True
    return gt


def test_empty_prediction_keeps_points_in_left_half():
    gt = left_half()
    coords, labels, rounds = sample_hard_point_prompts(gt, lambda c, l: torch.zeros_like(gt), num_rounds=5,
                                                       generator=torch.Generator().manual_seed(0))
    assert rounds == 5 and coords.shape == (3, 6, 2) and (labels == 1).all()
    assert (coords[..., 0] < 5).all() and inside(coords, labels, gt)


def test_each_round_samples_from_gt_minus_current_prediction():
    gt = torch.zeros(2, 12, 12, dtype=torch.bool)
    gt[0, 2:10, 2:10] = True
    gt[1, 0:6, :] = True
    calls = []

    def predict(coords, labels):
        # a prediction that covers the first r + 1 GT rows, plus a false positive everywhere below row 10
        r = len(calls)
        pred = torch.zeros_like(gt)
        pred[:, : r + 3] = True
        pred[:, 10:] = True
        calls.append(pred & gt)  # what was covered of the GT
        return pred

    coords, labels, rounds = sample_hard_point_prompts(gt, predict, num_rounds=4, points_per_round=2,
                                                       initial_points=3, generator=torch.Generator().manual_seed(1))
    assert inside(coords[:, :3], labels[:, :3], gt)
    for r in range(rounds):
        new = slice(3 + 2 * r, 5 + 2 * r)
        assert inside(coords[:, new], labels[:, new], gt & ~calls[r]), f'round {r}'
    # mask 1 (rows 0..5) is fully covered from round 4 (rows 0..5 predicted): it gets padding there
    assert rounds == 4
    assert (labels[1, 3 + 2 * 3:] == PAD_LABEL).all() and (labels[0] == 1).all()


def test_empty_difference_stops_gracefully():
    gt = left_half()
    calls = []

    def covers_everything(coords, labels):
        calls.append(coords.shape[1])
        return torch.ones_like(gt)
    coords, labels, rounds = sample_hard_point_prompts(gt, covers_everything, num_rounds=9, initial_points=2)
    assert rounds == 0 and coords.shape == (3, 2, 2) and calls == [2]
    # zero rounds: no prediction at all
    _, _, rounds = sample_hard_point_prompts(gt, covers_everything, num_rounds=0)
    assert rounds == 0 and calls == [2]


def test_deterministic_under_seed():
    gt = left_half(n=4, h=16, w=16)
    run = lambda seed: sample_hard_point_prompts(gt, lambda c, l: torch.zeros_like(gt), num_rounds=3,  # noqa: E731
                                                 generator=torch.Generator().manual_seed(seed))[0]
    assert torch.equal(run(7), run(7))
    assert not torch.equal(run(7), run(8))
    draws = [draw_num_rounds(9, torch.Generator().manual_seed(s)) for s in range(200)]
    assert set(draws) == set(range(10))
    assert draws == [draw_num_rounds(9, torch.Generator().manual_seed(s)) for s in range(200)]


def test_points_uniform_distinct_and_padded():
    # 4000 draws of one point in a 2x2 mask: each pixel ~1000 times (4 sigma ~ 110)
    coords, labels = sample_points_in_masks(torch.ones(4000, 2, 2), 1, torch.Generator().manual_seed(0))
    counts = torch.bincount((coords[:, 0, 1] * 2 + coords[:, 0, 0]).long(), minlength=4)
    assert ((counts - 1000).abs() < 110).all(), counts
    # without replacement: 3 points in a 3-pixel region are the 3 pixels; a 4th slot is padding
    region = torch.zeros(1, 3, 3, dtype=torch.bool)
    region[0, 1, :] = True
    coords, labels = sample_points_in_masks(region, 4, torch.Generator().manual_seed(0))
    assert labels.tolist() == [[1, 1, 1, PAD_LABEL]]
    assert sorted(map(tuple, coords[0, :3].tolist())) == [(0.0, 1.0), (1.0, 1.0), (2.0, 1.0)]
    assert coords[0, 3].tolist() == [0.0, 0.0]


def test_bad_inputs_name_the_problem():
    gt = left_half()
    gt[1] = False
    with pytest.raises(ValueError, match=r'gt_masks \[1\] are empty'):
        sample_hard_point_prompts(gt, lambda c, l: gt, num_rounds=1)
    with pytest.raises(ValueError, match=r'predict returned shape \(3, 4, 4\), expected \(3, 8, 10\)'):
        sample_hard_point_prompts(left_half(), lambda c, l: torch.zeros(3, 4, 4, dtype=torch.bool), num_rounds=1)
    with pytest.raises(ValueError, match=r'masks of shape \(N, H, W\)'):
        sample_points_in_masks(torch.ones(4, 4))


def test_boxes_from_masks_and_jitter():
    masks = torch.zeros(2, 20, 30, dtype=torch.bool)
    masks[0, 5:10, 2:12] = True  # rows 5..9, cols 2..11
    boxes = boxes_from_masks(masks)
    assert boxes.tolist() == [[2.0, 5.0, 11.0, 9.0], [0.0, 0.0, 0.0, 0.0]]
    masks[1, 0:20, 0:30] = True
    g = torch.Generator().manual_seed(0)
    clean = boxes_from_masks(masks)
    jittered = boxes_from_masks(masks, jitter=0.5, max_jitter=3.0, generator=g)
    assert (jittered - clean).abs().max() <= 3.0 + 1e-6
    assert (jittered[:, 0] <= jittered[:, 2]).all() and (jittered[:, 1] <= jittered[:, 3]).all()
    assert jittered.min() >= 0 and (jittered[:, [0, 2]] <= 29).all() and (jittered[:, [1, 3]] <= 19).all()
    assert torch.equal(jittered, boxes_from_masks(masks, jitter=0.5, max_jitter=3.0,
                                                  generator=torch.Generator().manual_seed(0)))


def test_center_points_are_the_deepest_pixel():
    from mmkd.models.sam.prompt_sampling import center_points_of_masks
    masks = torch.zeros(4, 12, 12, dtype=torch.bool)
    masks[0, 2:7, 3:8] = True                  # 5x5 square: centre pixel (x=5, y=4)
    masks[1, 1:11, 1:11] = True                # 10x10 ring of width 2 around a 6x6 hole
    masks[1, 3:9, 3:9] = False
    masks[2, 0:3, 0:12] = True                 # a bar on the top border: the border is a boundary -> row 1
    points = center_points_of_masks(masks)     # mask 3 stays empty
    assert points.shape == (4, 1, 2)
    assert points[0, 0].tolist() == [5.0, 4.0]
    x, y = points[1, 0].long().tolist()
    assert masks[1, y, x]                      # inside the ring, not at its (empty) centroid (5.5, 5.5)
    # one erosion empties the width-2 band, so every ring pixel ties at depth 1; the tie goes to
    # the pixel nearest their centroid (5.5, 5.5), then raster order: (x=5, y=2), distance ~3.54
    assert (x, y) == (5, 2)
    # bar rows 0..2: depth 2 only in row 1 (cols 1..10); nearest to their centroid x=5.5 -> x=5
    assert points[2, 0].tolist() == [5.0, 1.0]
    assert points[3, 0].tolist() == [0.0, 0.0]
