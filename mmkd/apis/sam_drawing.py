"""Draw SAM masks and prompts on an image (the PNGs of ``demo/sam_*_demo.py``).

Plain numpy + cv2 (headless): masks are alpha-blended in a colour each, so
the image stays visible under them, and prompts are drawn on top (foreground
points green, background points red, boxes yellow). The embedded images are
128 px, so everything can be enlarged first with ``upscale`` (nearest
neighbour, masks and coordinates scaled alike).
"""
from __future__ import annotations

import colorsys
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

Colour = Tuple[int, int, int]

FOREGROUND_BGR: Colour = (0, 200, 0)
BACKGROUND_BGR: Colour = (0, 0, 230)
BOX_BGR: Colour = (0, 220, 255)


def mask_colours(num: int) -> List[Colour]:
    """``num`` BGR colours with hues spread by the golden ratio, so neighbours in a list differ."""
    colours = []
    for i in range(num):
        r, g, b = colorsys.hsv_to_rgb((i * 0.618033988749895) % 1.0, 0.75, 1.0)
        colours.append((int(b * 255), int(g * 255), int(r * 255)))
    return colours


def upscale_image(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement by an integer ``factor`` (pixels stay crisp, masks stay aligned)."""
    if factor < 1:
        raise ValueError(f'upscale factor must be >= 1, got {factor}')
    if factor == 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def overlay_masks(image_bgr: np.ndarray, masks: Sequence[np.ndarray], colours: Optional[Sequence[Colour]] = None,
                  alpha: float = 0.5) -> np.ndarray:
    """``image_bgr`` with each ``(H, W)`` boolean mask blended in: ``(1 - alpha) * pixel + alpha * colour``.

    Masks are blended in the given order, so a later mask is drawn over an
    earlier one where they overlap (pass large masks first to keep small ones
    visible). The input image is not modified.
    """
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
        raise ValueError(f'overlay_masks expects an (H, W, 3) image, got shape {image_bgr.shape}')
    if not 0 <= alpha <= 1:
        raise ValueError(f'overlay_masks: alpha must lie in [0, 1], got {alpha}')
    colours = list(colours) if colours is not None else mask_colours(len(masks))
    if len(colours) < len(masks):
        raise ValueError(f'overlay_masks: {len(masks)} masks but only {len(colours)} colours')
    canvas = image_bgr.astype(np.float32)
    for i, (mask, colour) in enumerate(zip(masks, colours)):
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != image_bgr.shape[:2]:
            raise ValueError(f'overlay_masks: mask {i} has shape {mask.shape}, the image {image_bgr.shape[:2]}')
        canvas[mask] = (1 - alpha) * canvas[mask] + alpha * np.asarray(colour, np.float32)
    return np.clip(np.rint(canvas), 0, 255).astype(np.uint8)


def draw_prompts(canvas_bgr: np.ndarray, point_coords: Optional[np.ndarray] = None,
                 point_labels: Optional[np.ndarray] = None, box: Optional[np.ndarray] = None,
                 scale: float = 1.0) -> np.ndarray:
    """A copy of ``canvas_bgr`` with SAM prompts drawn: points ``(P, 2)`` ``(x, y)`` with labels
    (1 foreground, 0 background) and a box ``x0, y0, x1, y1``, in pixels of the image before ``scale``."""
    canvas = canvas_bgr.copy()
    size = max(2, round(min(canvas.shape[:2]) / 80))
    if box is not None:
        x0, y0, x1, y1 = (int(round(float(v) * scale)) for v in np.asarray(box).reshape(4))
        cv2.rectangle(canvas, (x0, y0), (x1, y1), BOX_BGR, max(1, size // 2))
    if point_coords is not None:
        labels = np.ones(len(point_coords), int) if point_labels is None else np.asarray(point_labels)
        for (x, y), label in zip(np.asarray(point_coords, float), labels):
            centre = (int(round(x * scale)), int(round(y * scale)))
            cv2.circle(canvas, centre, size + 1, (255, 255, 255), -1, cv2.LINE_AA)  # white rim: visible anywhere
            cv2.circle(canvas, centre, size, FOREGROUND_BGR if label == 1 else BACKGROUND_BGR, -1, cv2.LINE_AA)
    return canvas


def write_png(path: str, image_bgr: np.ndarray) -> str:
    """Write ``image_bgr`` as PNG to ``path`` (folders created); raise if cv2 could not."""
    if not path.lower().endswith('.png'):
        raise ValueError(f'output must be a .png file, got {path!r}')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    if not cv2.imwrite(path, image_bgr):
        raise OSError(f'could not write {path!r}')
    return path


def read_image_bgr(path: str) -> np.ndarray:
    """``cv2.imread`` that names the file when it is missing or not an image."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'image not found: {path!r}')
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f'could not read {path!r} as an image')
    return image
