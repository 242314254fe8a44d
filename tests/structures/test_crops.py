"""Region crops and background masks, checked on pixels computed by hand."""
import torch

from mmkd.structures.crops import box_background_masks, crop_and_resize


def test_crops_at_native_scale_are_exact_and_outside_reads_zero():
    image = torch.arange(3 * 8 * 10, dtype=torch.float32).reshape(3, 8, 10)
    whole = crop_and_resize(image, torch.tensor([[0.0, 0, 10, 8]]), (8, 10))[0]
    torch.testing.assert_close(whole, image)
    part = crop_and_resize(image, torch.tensor([[2.0, 3, 6, 7]]), 4)[0]
    torch.testing.assert_close(part, image[:, 3:7, 2:6])
    outside = crop_and_resize(image, torch.tensor([[-4.0, 0, 0, 4]]), 4)[0]
    assert outside.abs().max() == 0


def test_background_mask_marks_pixels_whose_centre_is_outside_the_box():
    masks = box_background_masks(torch.tensor([[0.0, 0, 8, 8]]), torch.tensor([[2.0, 2, 6, 6]]), 8)
    expected = torch.ones(8, 8, dtype=torch.bool)
    expected[2:6, 2:6] = False  # centres 2.5 ... 5.5 lie in [2, 6]
    assert torch.equal(masks[0], expected)
    # a region twice the crop size: crop pixel i covers [2i, 2i + 2), centre 2i + 1
    masks = box_background_masks(torch.tensor([[0.0, 0, 16, 16]]), torch.tensor([[4.0, 0, 16, 8]]), 8)
    expected = torch.ones(8, 8, dtype=torch.bool)
    expected[0:4, 2:8] = False
    assert torch.equal(masks[0], expected)
