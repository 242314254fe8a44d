"""Views of an image batch for dense self-supervised pre-training: crops with known geometry, photometric shifts.

A dense (per-patch) invariance objective needs to know which point of one
view is which point of another; mmcv's pipeline transforms do not return
that, so the crops are drawn here, on the batch tensor, as affine maps.
A view is ``(scale, shift)`` per sample, both ``(B, 2)`` in ``(x, y)`` order,
mapping the view's normalised coordinates ``v`` in ``[-1, 1]`` to the
image's: ``x = scale * v + shift`` (a negative x scale is a horizontal
flip). The same map sends a point of one view to its place in the other,
so the correspondence is exact (:func:`view_to_image`).

The photometric shifts cover the appearance range a model meets outside
its training style: colour, contrast and saturation jitter, low light
(gamma, dimming, a cold tint), haze (a blend towards a bright airlight),
blur and sensor noise. Each is drawn per sample, on ``[0, 1]`` RGB pixels.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def _uniform(n: int, low: float, high: float, generator: Optional[torch.Generator], device) -> Tensor:
    return low + (high - low) * torch.rand(n, generator=generator, device=device)


def sample_crops(n: int, area: Sequence[float], log_aspect: float = 0.0, flip_prob: float = 0.5,
                 generator: Optional[torch.Generator] = None, device=None) -> Tuple[Tensor, Tensor]:
    """``n`` random boxes inside ``[-1, 1]^2`` covering a share ``area`` (low, high) of it.

    The aspect ratio (relative to the frame's) is ``exp(U(-log_aspect, log_aspect))``;
    a box is flipped horizontally with ``flip_prob``. Returns ``(scale, shift)``, each ``(n, 2)``.
    """
    if not 0 < area[0] <= area[1] <= 1:
        raise ValueError(f'sample_crops: area must satisfy 0 < low <= high <= 1, got {tuple(area)}')
    share = _uniform(n, area[0], area[1], generator, device)
    aspect = torch.exp(_uniform(n, -log_aspect, log_aspect, generator, device))
    half = torch.stack([(share * aspect).sqrt(), (share / aspect).sqrt()], dim=1).clamp(max=1.0)
    shift = (1 - half) * (2 * torch.rand(n, 2, generator=generator, device=device) - 1)
    flip = torch.rand(n, generator=generator, device=device) < flip_prob
    scale = half * torch.stack([1 - 2 * flip.float(), torch.ones_like(share)], dim=1)
    return scale, shift


def compose(outer: Tuple[Tensor, Tensor], inner: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tensor]:
    """The view ``inner`` drawn inside the view ``outer``, as a map from the inner view to the image."""
    return outer[0] * inner[0], outer[0] * inner[1] + outer[1]


def view_to_image(view: Tuple[Tensor, Tensor], points: Tensor) -> Tensor:
    """Points ``(B, P, 2)`` in view coordinates -> image coordinates."""
    return view[0].unsqueeze(1) * points + view[1].unsqueeze(1)


def crop_views(images: Tensor, view: Tuple[Tensor, Tensor], size: Sequence[int]) -> Tensor:
    """Resample ``images`` ``(B, C, H, W)`` on the view's box at ``size`` ``(h, w)`` (bilinear)."""
    scale, shift = view
    theta = torch.zeros(images.shape[0], 2, 3, dtype=images.dtype, device=images.device)
    theta[:, 0, 0], theta[:, 1, 1] = scale[:, 0], scale[:, 1]
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, [images.shape[0], images.shape[1], int(size[0]), int(size[1])], align_corners=False)
    return F.grid_sample(images, grid, mode='bilinear', padding_mode='border', align_corners=False)


def sample_at(features: Tensor, points: Tensor) -> Tensor:
    """Bilinear features ``(B, P, C)`` of maps ``(B, C, h, w)`` at view points ``(B, P, 2)``."""
    out = F.grid_sample(features, points.unsqueeze(2), mode='bilinear', padding_mode='border', align_corners=False)
    return out.squeeze(3).transpose(1, 2)


def _blur(images: Tensor, sigma: Tensor, radius: int = 2) -> Tensor:
    """Per-sample Gaussian blur (``sigma`` ``(B,)``), separable, reflect padding."""
    b, c, h, w = images.shape
    offsets = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    kernel = torch.exp(-offsets[None] ** 2 / (2 * sigma[:, None].clamp(min=1e-3) ** 2))
    kernel = (kernel / kernel.sum(1, keepdim=True)).repeat_interleave(c, dim=0)  # (B*C, k)
    x = F.pad(images.reshape(1, b * c, h, w), (radius, radius, radius, radius), mode='reflect')
    x = F.conv2d(x, kernel[:, None, None, :], groups=b * c)
    x = F.conv2d(x, kernel[:, None, :, None], groups=b * c)
    return x.reshape(b, c, h, w)


def photometric_shift(images: Tensor, generator: Optional[torch.Generator] = None, jitter_prob: float = 0.8,
                      low_light_prob: float = 0.3, haze_prob: float = 0.3, blur_prob: float = 0.3,
                      noise_prob: float = 0.4) -> Tensor:
    """Random appearance changes of ``[0, 1]`` RGB images ``(B, 3, H, W)``, drawn per sample; output in ``[0, 1]``."""
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f'photometric_shift: expected (B, 3, H, W) RGB images, got {tuple(images.shape)}')
    b, dev = images.shape[0], images.device

    def draw(p: float) -> Tensor:
        return (torch.rand(b, generator=generator, device=dev) < p).float().view(b, 1, 1, 1)

    def u(low: float, high: float) -> Tensor:
        return _uniform(b, low, high, generator, dev).view(b, 1, 1, 1)

    x = images
    on = draw(jitter_prob)  # colour jitter: brightness, contrast, saturation, per-channel gains
    grey = x.mean(dim=(1, 2, 3), keepdim=True)
    luma = (0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:])
    jittered = x * u(0.6, 1.4)
    jittered = grey + (jittered - grey) * u(0.6, 1.4)
    jittered = luma + (jittered - luma) * u(0.4, 1.6)
    gains = 0.85 + 0.3 * torch.rand(b, 3, 1, 1, generator=generator, device=dev)
    x = on * (jittered * gains) + (1 - on) * x
    x = x.clamp(0, 1)
    on = draw(low_light_prob)  # low light: gamma > 1, dimming, a cold tint
    tint = torch.tensor([0.75, 0.85, 1.0], device=dev).view(1, 3, 1, 1)
    dark = x.clamp(min=1e-4) ** u(1.0, 2.0) * u(0.08, 0.5) * tint
    x = on * dark + (1 - on) * x
    on = draw(haze_prob)  # haze: contrast falls towards a bright airlight
    amount, light = u(0.3, 0.75), u(0.55, 0.9)
    x = on * (x * (1 - amount) + amount * light) + (1 - on) * x
    on = draw(blur_prob)
    sigma = _uniform(b, 0.5, 1.5, generator, dev)
    x = on * _blur(x, sigma) + (1 - on) * x
    on = draw(noise_prob)  # sensor noise: shot (signal-dependent) plus read noise
    noise = torch.randn(x.shape, generator=generator, device=dev)
    x = x + on * noise * (u(0.0, 0.08) * x.clamp(min=0).sqrt() + u(0.01, 0.05))
    return x.clamp(0, 1)

