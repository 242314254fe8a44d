"""Block / global multi-label targets from the GT boxes inside a region, by hand."""
import pytest
import torch

from mmkd.models.oadp.multilabel_targets import region_multilabels


def test_fraction_of_the_gt_box_inside_the_region():
    regions = torch.tensor([[0.0, 0.0, 100.0, 100.0], [0.0, 0.0, 50.0, 50.0], [60.0, 60.0, 100.0, 100.0]])
    gt = torch.tensor([[10.0, 10.0, 20.0, 20.0],    # class 1, fully inside regions 0 and 1
                       [40.0, 0.0, 60.0, 10.0],     # class 3, half inside region 1 (x 40-50 of 40-60)
                       [55.0, 55.0, 65.0, 65.0]])   # class 0, a quarter inside region 2
    labels = torch.tensor([1, 3, 0])
    expected = torch.tensor([[1.0, 1, 0, 1], [0, 1, 0, 1], [0, 0, 0, 0]])
    assert torch.equal(region_multilabels(regions, gt, labels, 4, inside_thr=0.5), expected)
    expected[1, 3] = 0  # half is not more than 0.6
    expected[2, 0] = 0
    assert torch.equal(region_multilabels(regions, gt, labels, 4, inside_thr=0.6), expected)
    assert region_multilabels(regions, gt, labels, 4, inside_thr=0.25)[2].tolist() == [1, 0, 0, 0]


def test_empty_inputs_and_bad_arguments():
    regions = torch.tensor([[0.0, 0.0, 10.0, 10.0]])
    assert region_multilabels(regions, torch.zeros(0, 4), torch.zeros(0, dtype=torch.long), 3).tolist() == [[0, 0, 0]]
    with pytest.raises(ValueError, match='inside_thr'):
        region_multilabels(regions, regions, torch.tensor([0]), 3, inside_thr=0)
    with pytest.raises(ValueError, match=r'outside \[0, 3\)'):
        region_multilabels(regions, regions, torch.tensor([3]), 3)
