"""Crops with known geometry, exact point correspondence between views, and bounded photometric shifts."""
import pytest
import torch

from mmkd.models.foundation.view_augment import compose, crop_views, photometric_shift, sample_at, sample_crops, \
    view_to_image


def ramp(b=2, h=8, w=16):
    """A linear function of the pixel position (bilinear interpolation reproduces it exactly)."""
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32),
                            indexing='ij')
    return torch.stack([xs, ys, xs + 2 * ys]).expand(b, -1, -1, -1).contiguous()


def test_crops_stay_inside_and_cover_the_requested_area():
    g = torch.Generator().manual_seed(0)
    scale, shift = sample_crops(500, (0.2, 0.5), log_aspect=0.0, flip_prob=0.5, generator=g)
    assert ((scale.abs() + shift.abs()) <= 1 + 1e-6).all()
    area = (scale[:, 0] * scale[:, 1]).abs()  # half-extents: the share of the [-1, 1]^2 frame
    assert (area >= 0.2 - 1e-6).all() and (area <= 0.5 + 1e-6).all()
    assert 150 < (scale[:, 0] < 0).sum() < 350 and (scale[:, 1] > 0).all()  # horizontal flips only


def test_bad_area():
    with pytest.raises(ValueError, match='area'):
        sample_crops(2, (0.5, 1.5))


def test_identity_flip_and_right_half():
    img = ramp()
    one, zero = torch.ones(2, 2), torch.zeros(2, 2)
    assert torch.allclose(crop_views(img, (one, zero), (8, 16)), img, atol=1e-5)
    flip = torch.tensor([[-1.0, 1.0]] * 2)
    assert torch.allclose(crop_views(img, (flip, zero), (8, 16)), img.flip(3), atol=1e-5)
    half = (torch.tensor([[0.5, 1.0]] * 2), torch.tensor([[0.5, 0.0]] * 2))  # x in [0, 1]: the right half
    assert torch.allclose(crop_views(img, half, (8, 8)), img[..., 8:], atol=1e-5)


def test_sample_at_cell_centres():
    img = ramp(1)
    # cell (row 3, col 5) of an 8 x 16 map has its centre at x = (2 * 5 + 1) / 16 - 1, y = (2 * 3 + 1) / 8 - 1
    pt = torch.tensor([[[11 / 16 - 1, 7 / 8 - 1]]])
    assert torch.allclose(sample_at(img, pt), torch.tensor([[[5.0, 3.0, 11.0]]]))


def test_a_point_of_a_local_view_is_the_same_place_in_the_global_view():
    g = torch.Generator().manual_seed(1)
    img = ramp(4, 32, 64)
    outer = sample_crops(4, (0.5, 1.0), generator=g)
    inner = sample_crops(4, (0.2, 0.4), generator=g)
    global_view = crop_views(img, outer, (32, 64))
    local_view = crop_views(img, compose(outer, inner), (16, 32))
    pts = 1.6 * torch.rand(4, 10, 2, generator=g) - 0.8  # away from the borders
    assert torch.allclose(sample_at(local_view, pts), sample_at(global_view, view_to_image(inner, pts)), atol=1e-3)
    # and both equal the ramp's value at that place of the image
    where = view_to_image(compose(outer, inner), pts)
    x_pix, y_pix = (where[..., 0] + 1) * 64 / 2 - 0.5, (where[..., 1] + 1) * 32 / 2 - 0.5
    assert torch.allclose(sample_at(local_view, pts)[..., 0], x_pix, atol=1e-3)
    assert torch.allclose(sample_at(local_view, pts)[..., 1], y_pix, atol=1e-3)


def test_photometric_shift_bounds_identity_and_variety():
    g = torch.Generator().manual_seed(0)
    img = torch.rand(8, 3, 16, 32, generator=g)
    off = photometric_shift(img, g, jitter_prob=0, low_light_prob=0, haze_prob=0, blur_prob=0, noise_prob=0)
    assert torch.equal(off, img)
    out = photometric_shift(img, g, jitter_prob=1, low_light_prob=1, haze_prob=0, blur_prob=1, noise_prob=1)
    assert out.shape == img.shape and out.min() >= 0 and out.max() <= 1
    assert out.mean() < img.mean()  # low light on every sample darkens
    hazy = photometric_shift(img, g, jitter_prob=0, low_light_prob=0, haze_prob=1, blur_prob=0, noise_prob=0)
    assert hazy.std() < img.std()  # haze lowers contrast


def test_photometric_shift_bad_shape():
    with pytest.raises(ValueError, match=r'\(B, 3, H, W\)'):
        photometric_shift(torch.rand(2, 6, 4, 4))
