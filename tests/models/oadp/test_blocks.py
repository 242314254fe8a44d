"""The sliding block layout of OAKE's block level."""
import pytest

from mmkd.models.oadp import sliding_block_boxes


def test_blocks_cover_the_image_with_bounded_stride():
    boxes = sliding_block_boxes((448, 448), 224, 112)
    assert boxes.shape == (10, 4)
    assert boxes[0].tolist() == [0, 0, 448, 448]
    starts = sorted({b[0] for b in boxes[1:].tolist()})
    assert starts == [0, 112, 224]


def test_blocks_of_a_short_axis_and_a_small_image():
    boxes = sliding_block_boxes((300, 224), 224, 112).tolist()
    # width fits one block; height 300 needs ceil(76 / 112) + 1 = 2 blocks, at 0 and 76
    assert boxes == [[0, 0, 224, 300], [0, 0, 224, 224], [0, 76, 224, 300]]
    assert sliding_block_boxes((100, 50), 224, 112, include_image=False).tolist() == [[0, 0, 50, 100]]
    with pytest.raises(ValueError, match='max_stride'):
        sliding_block_boxes((100, 100), 64, 128)
