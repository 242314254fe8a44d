"""CutMix box masks: 3 boxes, each p/3 of the image for p in [0.25, 0.5], toggled onto zeros."""
import pytest
import torch

from mmkd.datasets.cutmix import boxes_to_masks, cutmix_box_masks, cutmix_boxes


def test_box_count_and_area():
    height, width = 128, 256
    g = torch.Generator().manual_seed(0)
    masks, boxes = cutmix_box_masks(64, height, width, generator=g)
    assert boxes.shape == (64, 3, 4) and masks.shape == (64, 1, height, width)
    assert set(masks.unique().tolist()) <= {0.0, 1.0}
    y0, x0, y1, x1 = boxes.unbind(-1)
    assert (y0 >= 0).all() and (x0 >= 0).all() and (y1 <= height).all() and (x1 <= width).all()
    area = ((y1 - y0) * (x1 - x0)).double() / (height * width)
    # each box covers p / 3 with p in [0.25, 0.5], up to rounding the sides to pixels
    slack = (height + width + 1) / (height * width)
    assert (area >= 0.25 / 3 - slack).all() and (area <= 0.5 / 3 + slack).all()
    # toggled boxes: the pasted share is at most the summed box areas (overlaps cancel), at most ~0.5
    share = masks.mean(dim=(1, 2, 3)).double()
    assert (share <= area.sum(1) + 1e-9).all() and (share <= 0.5 + 3 * slack).all()
    assert (share > 0).all()


def test_boxes_toggle_hand_case():
    boxes = torch.tensor([[[0, 0, 2, 2], [1, 1, 3, 3]]])
    expected = torch.tensor([[1., 1., 0.], [1., 0., 1.], [0., 1., 1.]])
    torch.testing.assert_close(boxes_to_masks(boxes, 3, 3)[0, 0], expected)


def test_seeded_generator_is_reproducible():
    a = cutmix_boxes(4, 32, 64, generator=torch.Generator().manual_seed(7))
    b = cutmix_boxes(4, 32, 64, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)


def test_bad_input():
    with pytest.raises(ValueError, match='area_range'):
        cutmix_boxes(2, 8, 8, area_range=(0.6, 0.5))
    with pytest.raises(ValueError, match='num_boxes'):
        cutmix_boxes(2, 8, 8, num_boxes=0)
