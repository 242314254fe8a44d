"""Image files as RGB tensors, normalised per channel."""
import numpy as np
import pytest
import torch
from PIL import Image

from mmkd.datasets.rgb_image import load_normalized_rgb, normalize_rgb, read_rgb


def test_read_rgb_gives_channels_first_uint8(tmp_path):
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    Image.fromarray(pixels).save(tmp_path / 'a.png')
    image = read_rgb(str(tmp_path / 'a.png'))
    assert image.dtype == torch.uint8 and image.shape == (3, 2, 3)
    assert image[:, 1, 2].tolist() == pixels[1, 2].tolist()
    with pytest.raises(FileNotFoundError, match="my image file not found: '.*b.png'"):
        read_rgb(str(tmp_path / 'b.png'), 'my image')


def test_normalize_is_pixels_over_255_minus_mean_over_std(tmp_path):
    pixels = torch.tensor([0, 51, 255], dtype=torch.uint8).view(3, 1, 1)
    out = normalize_rgb(pixels, (0.0, 0.1, 0.5), (1.0, 0.5, 0.25))
    torch.testing.assert_close(out.flatten(), torch.tensor([0.0, (0.2 - 0.1) / 0.5, (1.0 - 0.5) / 0.25]))
    Image.fromarray(np.full((1, 1, 3), 51, np.uint8)).save(tmp_path / 'c.png')
    torch.testing.assert_close(load_normalized_rgb(str(tmp_path / 'c.png'), (0.2,) * 3, (1.0,) * 3),
                               torch.zeros(3, 1, 1))
