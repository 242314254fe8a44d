"""The object categories of the embedded detection set and their geometry.

Each category has its own outline AND its own colour family, so a detector
trained from scratch for a few minutes can separate them: the classes must be
learnable quickly, yet a model needs both shape and colour cues (and scale,
occlusion, clutter) to get a high mAP, which leaves room between a tiny
student and a larger teacher.
"""
from typing import Callable

import numpy as np
from shapely import affinity
from shapely.geometry import Polygon

SHAPES_CLASSES = ('circle', 'square', 'triangle', 'star', 'cross', 'ring',
                  'diamond', 'hexagon')

# Mean RGB colour per category; objects jitter around it.
SHAPES_COLORS = {
    'circle': (220, 40, 40),      # red
    'square': (40, 80, 230),      # blue
    'triangle': (40, 190, 60),    # green
    'star': (240, 220, 40),       # yellow
    'cross': (220, 50, 200),      # magenta
    'ring': (40, 210, 220),       # cyan
    'diamond': (250, 140, 30),    # orange
    'hexagon': (240, 240, 240),   # white
}


def _regular(n: int, radius: float, phase: float = 0.0) -> np.ndarray:
    """Vertices of a regular n-gon centred on the origin, first vertex up."""
    angles = phase - np.pi / 2 + 2 * np.pi * np.arange(n) / n
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _circle(r: float) -> Polygon:
    return Polygon(_regular(48, r))


def _square(r: float) -> Polygon:
    return Polygon(_regular(4, r, np.pi / 4))


def _triangle(r: float) -> Polygon:
    return Polygon(_regular(3, r))


def _star(r: float) -> Polygon:
    outer, inner = _regular(5, r), _regular(5, 0.45 * r, np.pi / 5)
    return Polygon(np.stack([outer, inner], axis=1).reshape(-1, 2))


def _cross(r: float) -> Polygon:
    a, b = 0.3 * r, r * np.sqrt(1 - 0.3**2)  # arm half-width; reach puts the arm corners on the circle
    return Polygon([(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a),
                    (a, b), (-a, b), (-a, a), (-b, a), (-b, -a), (-a, -a)])


def _ring(r: float) -> Polygon:
    return Polygon(_regular(48, r), holes=[_regular(48, 0.55 * r)[::-1]])


def _diamond(r: float) -> Polygon:
    return Polygon([(0, -r), (0.6 * r, 0), (0, r), (-0.6 * r, 0)])


def _hexagon(r: float) -> Polygon:
    return Polygon(_regular(6, r, np.pi / 6))


_BUILDERS: dict[str, Callable[[float], Polygon]] = {
    'circle': _circle, 'square': _square, 'triangle': _triangle, 'star': _star,
    'cross': _cross, 'ring': _ring, 'diamond': _diamond, 'hexagon': _hexagon,
}
# Rotation range in degrees: small for shapes whose identity depends on
# orientation (a square turned 45 degrees would look like a diamond).
_MAX_ROTATION = {'circle': 0, 'square': 15, 'triangle': 25, 'star': 36,
                 'cross': 20, 'ring': 0, 'diamond': 15, 'hexagon': 30}


def make_shape(rng: np.random.Generator, name: str, size: float) -> Polygon:
    """A randomly rotated and slightly stretched ``name`` centred on the origin.

    ``size`` is the diameter of the circumscribed circle before stretching,
    i.e. roughly the object's extent in pixels.
    """
    shape = _BUILDERS[name](size / 2)
    shape = affinity.rotate(shape, rng.uniform(-1, 1) * _MAX_ROTATION[name], origin=(0, 0))
    stretch = rng.uniform(0.85, 1.15)
    return affinity.scale(shape, stretch, 1 / stretch, origin=(0, 0))


def object_color(rng: np.random.Generator, name: str) -> np.ndarray:
    """A jittered member of the colour family of ``name`` (float RGB)."""
    base = np.asarray(SHAPES_COLORS[name], dtype=np.float32)
    return np.clip(base + rng.normal(0, 15, 3), 0, 255).astype(np.float32)
