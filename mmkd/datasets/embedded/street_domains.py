"""The street scenes in several visual domains: one layout and label map, different looks.

A domain-generalisation benchmark trains on one domain and tests on others
whose labels mean the same but whose pixels differ (GTA5 -> Cityscapes /
BDD100K / Mapillary; Cityscapes -> ACDC night and fog). Every domain here
renders the *same* scene for the same seed and index (the layout's random
stream is shared), so only appearance changes:

* ``synthetic``: flat-shaded surfaces, no sensor noise, vivid colours, the
  look of a game engine (the source domain, as GTA5);
* ``photo``: surfaces modulated by real-photo texture (scikit-image's bundled
  photos) with mild sensor noise: the default street set, byte for byte;
* ``night``: the photo-textured scene under low light: dark, blue-tinted,
  with lamp and headlight glows and strong sensor (shot and read) noise;
* ``fog``: the photo-textured scene in fog: contrast falls with distance from
  the camera (rows near the horizon fade to the fog colour), then a blur.
"""
from __future__ import annotations

import cv2
import numpy as np

from .street import StreetCanvas, StreetLayout, render_street_layers

STREET_DOMAINS = ('synthetic', 'photo', 'night', 'fog')


def _synthetic(c: StreetCanvas, lay: StreetLayout, rng: np.random.Generator) -> np.ndarray:
    img = c.image
    grey = img.mean(axis=2, keepdims=True)
    return grey + (img - grey) * 1.35  # game-engine colours: more saturated, noise-free


def _photo(c: StreetCanvas, lay: StreetLayout, rng: np.random.Generator) -> np.ndarray:
    return c.image + rng.normal(0, 3, c.image.shape).astype(np.float32)


def _night(c: StreetCanvas, lay: StreetLayout, rng: np.random.Generator) -> np.ndarray:
    img = c.image * rng.uniform(0.18, 0.3) * np.array([0.8, 0.9, 1.25], np.float32)  # dark, bluish
    ys, xs = np.mgrid[0:c.height, 0:c.width].astype(np.float32)
    for _ in range(int(rng.integers(2, 6))):  # street lamps and headlights: warm additive glows
        cx, cy = rng.uniform(0, c.width), rng.uniform(lay.horizon * 0.6, c.height)
        radius = c.height * rng.uniform(0.04, 0.12)
        glow = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius ** 2))
        img = img + glow[:, :, None] * np.array([255, 210, 140], np.float32) * rng.uniform(0.4, 0.9)
    img = np.clip(img, 0, 255)
    shot = rng.normal(0, 1, img.shape).astype(np.float32) * np.sqrt(img + 1.0) * 1.5  # photon noise
    read = rng.normal(0, 6, img.shape).astype(np.float32)  # read noise dominates in the dark
    return img + shot + read


def _fog(c: StreetCanvas, lay: StreetLayout, rng: np.random.Generator) -> np.ndarray:
    rows = np.arange(c.height, dtype=np.float32)
    distance = np.where(rows < lay.horizon, 1.0, 1.0 - (rows - lay.horizon) / (c.height - lay.horizon))
    density = rng.uniform(2.0, 3.5)
    transmission = np.exp(-density * np.clip(distance, 0.05, 1.0))[:, None, None]  # Koschmieder's law
    fog = np.array([205, 208, 212], np.float32) * rng.uniform(0.9, 1.05)
    img = c.image * transmission + fog * (1 - transmission)
    img = cv2.GaussianBlur(img, (0, 0), sigmaX=rng.uniform(1.0, 1.8))
    return img + rng.normal(0, 2, img.shape).astype(np.float32)


_EFFECTS = {'synthetic': _synthetic, 'photo': _photo, 'night': _night, 'fog': _fog}


def render_street_domain(rng: np.random.Generator, height: int, width: int,
                         domain: str = 'photo') -> tuple[np.ndarray, np.ndarray]:
    """One RGB uint8 street image in ``domain`` and its train-id label map.

    For the same ``rng`` seed every domain returns the same label map;
    ``'photo'`` returns exactly :func:`~mmkd.datasets.embedded.street.render_street_scene`'s image.
    """
    if domain not in _EFFECTS:
        raise ValueError(f'unknown street domain {domain!r}; domains: {STREET_DOMAINS}')
    c, lay = render_street_layers(rng, height, width, textured=domain != 'synthetic')
    image = _EFFECTS[domain](c, lay, rng)
    return np.clip(image, 0, 255).astype(np.uint8), c.labels
