"""Real-photo backgrounds and textures from images bundled with scikit-image.

Flat or noise backgrounds make detection trivially easy and teach nothing
about clutter; real photos give edges and texture to tell objects from.
Only images stored inside the scikit-image package are used (no pooch
download), and only PNGs, whose decoding is exact on every platform, so the
generated files do not depend on a JPEG decoder version.
"""
from functools import lru_cache

import cv2
import numpy as np
import skimage.data

# Loader name in ``skimage.data`` for each bundled PNG photo.
PHOTO_LOADERS = {
    'astronaut': skimage.data.astronaut,
    'coffee': skimage.data.coffee,
    'chelsea': skimage.data.chelsea,
    'motorcycle': lambda: skimage.data.stereo_motorcycle()[0],
    'immunohistochemistry': skimage.data.immunohistochemistry,
    'camera': skimage.data.camera,
    'brick': skimage.data.brick,
    'grass': skimage.data.grass,
    'gravel': skimage.data.gravel,
    'coins': skimage.data.coins,
    'moon': skimage.data.moon,
}
PHOTO_NAMES = tuple(PHOTO_LOADERS)


@lru_cache(maxsize=None)
def load_photo(name: str) -> np.ndarray:
    """A bundled photo as RGB uint8 (grey images are replicated to 3 channels)."""
    image = np.asarray(PHOTO_LOADERS[name]())
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    image = np.ascontiguousarray(image[:, :, :3], dtype=np.uint8)
    image.setflags(write=False)  # cached and shared: never modify in place
    return image


def photo_crop(rng: np.random.Generator, height: int, width: int,
               names: tuple[str, ...] = PHOTO_NAMES,
               min_scale: float = 0.35) -> np.ndarray:
    """A random crop of one of ``names``, rescaled to ``height`` x ``width``.

    The crop keeps the target aspect ratio and covers ``min_scale`` to 100 %
    of the largest such window, so the same photo yields many different views.
    Returns RGB uint8.
    """
    photo = load_photo(names[int(rng.integers(len(names)))])
    ph, pw = photo.shape[:2]
    max_h = min(ph, pw * height / width)
    crop_h = max_h * rng.uniform(min_scale, 1.0)
    crop_w = crop_h * width / height
    y0 = rng.uniform(0, ph - crop_h)
    x0 = rng.uniform(0, pw - crop_w)
    crop = photo[int(y0):int(y0 + crop_h), int(x0):int(x0 + crop_w)]
    interp = cv2.INTER_AREA if crop.shape[0] > height else cv2.INTER_LINEAR
    crop = cv2.resize(crop, (width, height), interpolation=interp)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop)


def tone_down(rng: np.random.Generator, image: np.ndarray,
              contrast: tuple[float, float] = (0.35, 0.6),
              saturation: tuple[float, float] = (0.2, 0.6),
              mean_level: tuple[float, float] = (80.0, 170.0)) -> np.ndarray:
    """Lower contrast and saturation and move the mean to a mid grey level.

    Saturated, full-contrast objects drawn on top then stay the most salient
    thing in the image, which keeps the detection task learnable in minutes
    while the background still carries real edges and texture.
    """
    img = image.astype(np.float32)
    grey = img.mean(axis=2, keepdims=True)
    img = grey + (img - grey) * rng.uniform(*saturation)
    mean = img.mean()
    img = rng.uniform(*mean_level) + (img - mean) * rng.uniform(*contrast)
    return np.clip(img, 0, 255).astype(np.uint8)


def background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A toned-down random photo crop: the canvas of a detection image."""
    return tone_down(rng, photo_crop(rng, height, width))
