"""Box geometry: OAKE's adaptive square, the proposal filter and the jitter, on boxes computed by hand."""
import math

import pytest
import torch

from mmkd.structures.boxes import adaptive_square_boxes, jitter_boxes, valid_proposals


def _square(box, image_size):
    return adaptive_square_boxes(torch.tensor([box], dtype=torch.float32), image_size)[0].tolist()


def test_spec_example_corner_box():
    # area 200 -> side sqrt(1600) = 40, centred at (5, 10): (-15, -10, 25, 30) shifted by (15, 10)
    assert _square((0, 0, 10, 20), (1000, 1000)) == pytest.approx([0, 0, 40, 40])


def test_box_at_the_bottom_right_edge():
    # side 40 around (995, 990): (975, 970, 1015, 1010) shifted by (-15, -10)
    assert _square((990, 980, 1000, 1000), (1000, 1000)) == pytest.approx([960, 960, 1000, 1000])


def test_box_in_the_middle_is_not_moved():
    half = math.sqrt(800) / 2  # area 100
    assert _square((500, 500, 510, 510), (1000, 1000)) == pytest.approx(
        [505 - half, 505 - half, 505 + half, 505 + half])


def test_square_larger_than_the_image_stays_centred():
    half = math.sqrt(8 * 80 * 80) / 2  # 113.137 > image side 100
    assert _square((10, 10, 90, 90), (100, 100)) == pytest.approx([50 - half, 50 - half, 50 + half, 50 + half])


def test_axes_are_independent_and_image_size_is_height_width():
    # image 50 high, 1000 wide; area 400 -> side sqrt(3200) = 56.57 fits in x only
    half = math.sqrt(3200) / 2
    assert _square((0, 10, 20, 30), (50, 1000)) == pytest.approx([0, 20 - half, 2 * half, 20 + half])


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r'\(N, 4\)'):
        adaptive_square_boxes(torch.zeros(4), (10, 10))
    with pytest.raises(ValueError, match='x2 < x1'):
        adaptive_square_boxes(torch.tensor([[5.0, 0, 1, 1]]), (10, 10))
    with pytest.raises(ValueError, match='image_size'):
        adaptive_square_boxes(torch.zeros(1, 4), (10,))


def test_valid_proposals_keeps_boxes_of_at_least_four_pixels():
    boxes = torch.tensor([[0, 0, 3, 10], [0, 0, 4, 4], [2, 2, 20, 3.5]])
    assert valid_proposals(boxes).tolist() == [False, True, False]


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
