"""Mask overlay and prompt drawing of the SAM demos: blended pixel values by hand, prompts where they belong."""
import numpy as np
import pytest

from mmkd.apis.sam_drawing import (BACKGROUND_BGR, BOX_BGR, FOREGROUND_BGR, draw_prompts, mask_colours,
                                   overlay_masks, upscale_image, write_png)


def test_overlay_blends_each_mask_in_order():
    image = np.tile(np.array([10, 20, 30], np.uint8), (2, 2, 1))
    first = np.array([[1, 1], [0, 0]], bool)
    second = np.array([[1, 0], [0, 0]], bool)
    out = overlay_masks(image, [first, second], colours=[(210, 100, 50), (0, 20, 240)], alpha=0.5)
    # (0, 1): first only: 0.5 * (10, 20, 30) + 0.5 * (210, 100, 50)
    np.testing.assert_array_equal(out[0, 1], [110, 60, 40])
    # (0, 0): first, then second on top: 0.5 * (110, 60, 40) + 0.5 * (0, 20, 240)
    np.testing.assert_array_equal(out[0, 0], [55, 40, 140])
    np.testing.assert_array_equal(out[1], image[1])  # no mask: unchanged
    np.testing.assert_array_equal(image[0, 0], [10, 20, 30])  # the input is not modified
    assert out.dtype == np.uint8


def test_overlay_errors_name_the_bad_argument():
    image = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match=r'mask 1 has shape \(3, 4\)'):
        overlay_masks(image, [np.zeros((4, 4), bool), np.zeros((3, 4), bool)])
    with pytest.raises(ValueError, match='alpha'):
        overlay_masks(image, [], alpha=1.5)
    with pytest.raises(ValueError, match='2 masks but only 1 colours'):
        overlay_masks(image, [np.zeros((4, 4), bool)] * 2, colours=[(0, 0, 0)])


def test_colours_are_distinct_and_upscale_is_nearest_neighbour():
    colours = mask_colours(12)
    assert len(set(colours)) == 12 and all(0 <= c <= 255 for col in colours for c in col)
    small = np.array([[1, 2], [3, 4]], np.uint8)
    np.testing.assert_array_equal(upscale_image(small, 2), [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    with pytest.raises(ValueError, match='upscale factor'):
        upscale_image(small, 0)


def test_prompts_are_drawn_at_scaled_coordinates():
    canvas = np.zeros((40, 40, 3), np.uint8)
    out = draw_prompts(canvas, np.array([[5, 5], [15, 8]]), np.array([1, 0]), box=np.array([2, 2, 10, 10]), scale=2)
    np.testing.assert_array_equal(out[10, 10], FOREGROUND_BGR)   # point (5, 5) x 2, row y then column x
    np.testing.assert_array_equal(out[16, 30], BACKGROUND_BGR)   # point (15, 8) x 2
    np.testing.assert_array_equal(out[4, 13], BOX_BGR)           # top edge of the box (4, 4)-(20, 20)
    np.testing.assert_array_equal(out[30, 5], [0, 0, 0])         # elsewhere untouched
    assert not canvas.any()


def test_write_png_refuses_other_formats(tmp_path):
    with pytest.raises(ValueError, match=r'\.png'):
        write_png(str(tmp_path / 'out.jpg'), np.zeros((2, 2, 3), np.uint8))
    path = write_png(str(tmp_path / 'sub' / 'out.png'), np.zeros((2, 2, 3), np.uint8))
    assert open(path, 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
