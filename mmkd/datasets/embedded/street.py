"""Street-like scenes with Cityscapes train-id labels.

A scene is painted back to front (sky, buildings, trees, ground, street
furniture, vehicles, people, ego vehicle); every region is painted into the
image and the label map with the same mask, so the two always agree. Surfaces
mix a class-typical colour with real-photo texture (brick for buildings,
gravel for road, grass for vegetation...), so a segmenter has to use texture
and layout, not only colour, yet learns the classes quickly.
"""
import cv2
import numpy as np

from .backgrounds import photo_crop
from .cityscapes_classes import IGNORE_INDEX, TRAIN_ID


class StreetCanvas:
    """An RGB float image and its uint8 train-id map, painted together.

    ``textured=False`` paints surfaces flat (a class colour under a smooth
    vertical shading, like a game engine's synthetic frames) instead of
    modulating them with photo texture. The photo crop is drawn either way,
    so the random stream, and with it the scene layout and label map, is the
    same in both styles.
    """

    def __init__(self, rng: np.random.Generator, height: int, width: int, textured: bool = True):
        self.rng = rng
        self.height, self.width = height, width
        self.textured = textured
        self.image = np.zeros((height, width, 3), np.float32)
        self.labels = np.full((height, width), IGNORE_INDEX, np.uint8)

    def paint(self, mask: np.ndarray, label: str | int, fill: np.ndarray) -> None:
        """Paint ``fill`` (an HxWx3 image or one RGB colour) where ``mask`` is set."""
        label = TRAIN_ID[label] if isinstance(label, str) else label
        self.image[mask] = fill[mask] if fill.ndim == 3 else fill
        self.labels[mask] = label

    def texture(self, base_rgb, sources: tuple[str, ...], amplitude: float) -> np.ndarray:
        """``base_rgb`` modulated by the luminance of a random photo crop."""
        tex = photo_crop(self.rng, self.height, self.width, sources).astype(np.float32).mean(axis=2)
        if not self.textured:  # flat shading: brighter at the top, darker at the bottom
            shade = np.linspace(1.08, 0.92, self.height, dtype=np.float32)[:, None, None]
            return np.asarray(base_rgb, np.float32) * np.broadcast_to(shade, (self.height, self.width, 1))
        tex = (tex - tex.mean()) / (tex.std() + 1e-3)
        return np.asarray(base_rgb, np.float32) * (1 + amplitude * tex[:, :, None])

    def jitter(self, rgb, spread: float = 20.0) -> np.ndarray:
        return np.clip(np.asarray(rgb, np.float32) + self.rng.normal(0, spread, 3), 0, 255)

    def blank(self) -> np.ndarray:
        return np.zeros((self.height, self.width), np.uint8)

    def polygon(self, points) -> np.ndarray:
        mask = self.blank()
        cv2.fillPoly(mask, [np.round(np.asarray(points)).astype(np.int32)], 1)
        return mask.astype(bool)

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return self.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])

    def ellipse(self, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
        mask = self.blank()
        cv2.ellipse(mask, (int(round(cx)), int(round(cy))),
                    (max(1, int(round(rx))), max(1, int(round(ry)))), 0, 0, 360, 1, -1)
        return mask.astype(bool)


class StreetLayout:
    """Horizon and the road/sidewalk wedges that converge on a vanishing point."""

    def __init__(self, rng: np.random.Generator, height: int, width: int):
        self.height, self.width = height, width
        self.horizon = height * rng.uniform(0.38, 0.5)
        self.base = self.horizon + 0.08 * height  # where building fronts meet the ground
        vx, bottom_x = width * rng.uniform(0.35, 0.65), width * rng.uniform(0.35, 0.65)
        road_top, road_bottom = 0.03 * width, width * rng.uniform(0.45, 0.7)
        walk_top, walk_bottom = road_top + 0.03 * width, road_bottom + width * rng.uniform(0.25, 0.4)
        self.road = [(vx - road_top, vx + road_top), (bottom_x - road_bottom, bottom_x + road_bottom)]
        self.walk = [(vx - walk_top, vx + walk_top), (bottom_x - walk_bottom, bottom_x + walk_bottom)]

    def depth(self, y: float) -> float:
        """0 at the horizon, 1 at the bottom row: the perspective scale at row ``y``."""
        return float(np.clip((y - self.horizon) / (self.height - self.horizon), 0, 1))

    def span(self, wedge, y: float) -> tuple[float, float]:
        t = self.depth(y)
        (l0, r0), (l1, r1) = wedge
        return l0 + (l1 - l0) * t, r0 + (r1 - r0) * t

    def wedge_polygon(self, wedge) -> list[tuple[float, float]]:
        (l0, r0), (l1, r1) = wedge
        return [(l0, self.horizon), (r0, self.horizon), (r1, self.height), (l1, self.height)]


def _sky(c: StreetCanvas, lay: StreetLayout) -> None:
    top, low = c.jitter((90, 140, 210), 15), c.jitter((200, 215, 230), 10)
    rows = np.linspace(0, 1, c.height, dtype=np.float32)[:, None, None]
    gradient = top * (1 - rows) + low * rows
    clouds = c.texture((1, 1, 1), ('moon', 'camera'), 0.06)
    c.paint(np.ones((c.height, c.width), bool), 'sky', gradient * clouds)


def _buildings(c: StreetCanvas, lay: StreetLayout) -> None:
    rng = c.rng
    palette = [(200, 180, 150), (150, 150, 155), (150, 85, 65), (210, 205, 195), (100, 95, 105)]
    texture = c.texture((1, 1, 1), ('brick', 'camera', 'coffee', 'gravel'), 0.2)
    x = -rng.uniform(0, 0.1) * c.width
    while x < c.width:
        w = c.width * rng.uniform(0.08, 0.25)
        if rng.random() > 0.15:  # otherwise a gap that shows the sky
            top = lay.horizon * rng.uniform(0.0, 0.75)
            mask = c.rect(x, top, x + w, lay.base)
            c.paint(mask, 'building', texture * c.jitter(palette[rng.integers(len(palette))]))
            _windows(c, x, top, w, lay.base - top)
        x += w


def _windows(c: StreetCanvas, x: float, y: float, w: float, h: float) -> None:
    """Darker window grid on the facade just painted; windows stay labelled
    building, as in Cityscapes, so only the image changes."""
    step = c.height * c.rng.uniform(0.05, 0.08)
    for wy in np.arange(y + step / 2, y + h - step, step):
        for wx in np.arange(x + step / 2, x + w - step / 2, step):
            x0, x1 = max(int(round(wx)), 0), min(int(round(wx + step * 0.5)), c.width)
            y0, y1 = max(int(round(wy)), 0), int(round(wy + step * 0.55))
            c.image[y0:y1, x0:x1] *= 0.55


def _trees(c: StreetCanvas, lay: StreetLayout) -> None:
    rng = c.rng
    leaves = c.texture(c.jitter((60, 120, 50), 12), ('grass', 'gravel'), 0.3)
    for _ in range(rng.integers(0, 4)):
        cx, r = c.width * rng.uniform(0, 1), c.height * rng.uniform(0.08, 0.18)
        crown_y = lay.base - r - c.height * rng.uniform(0.05, 0.15)
        trunk = c.rect(cx - r * 0.12, crown_y, cx + r * 0.12, lay.base)
        c.paint(trunk, 'vegetation', c.jitter((90, 65, 45), 8))  # trunks count as vegetation
        for _ in range(3):
            dx, dy = rng.normal(0, r * 0.35, 2)
            c.paint(c.ellipse(cx + dx, crown_y + dy, r * rng.uniform(0.6, 0.9), r * rng.uniform(0.5, 0.8)),
                    'vegetation', leaves)


def _ground(c: StreetCanvas, lay: StreetLayout) -> None:
    c.paint(c.rect(0, lay.base, c.width, c.height), 'terrain',
            c.texture(c.jitter((110, 125, 70), 12), ('grass', 'gravel'), 0.25))
    c.paint(c.polygon(lay.wedge_polygon(lay.walk)), 'sidewalk',
            c.texture(c.jitter((165, 160, 155), 10), ('brick', 'gravel'), 0.15))
    road = c.texture(c.jitter((85, 85, 90), 8), ('gravel', 'grass'), 0.15)
    c.paint(c.polygon(lay.wedge_polygon(lay.road)), 'road', road)
    # dashed centre line, part of the road class
    for t0 in np.arange(0.05, 1.0, 0.2):
        y0 = lay.horizon + t0 * (c.height - lay.horizon)
        y1 = y0 + 0.08 * (c.height - lay.horizon)
        (a0, b0), (a1, b1) = lay.span(lay.road, y0), lay.span(lay.road, y1)
        m0, m1, hw0, hw1 = (a0 + b0) / 2, (a1 + b1) / 2, 0.01 * (b0 - a0), 0.01 * (b1 - a1)
        mask = c.polygon([(m0 - hw0, y0), (m0 + hw0, y0), (m1 + hw1, y1), (m1 - hw1, y1)])
        c.paint(mask, 'road', np.full(3, 225, np.float32))


def _wall_or_fence(c: StreetCanvas, lay: StreetLayout) -> None:
    rng = c.rng
    x0 = c.width * rng.uniform(0, 0.7)
    x1 = x0 + c.width * rng.uniform(0.15, 0.3)
    top = lay.base - c.height * rng.uniform(0.05, 0.1)
    if rng.random() < 0.5:
        c.paint(c.rect(x0, top, x1, lay.base), 'wall',
                c.texture(c.jitter((170, 165, 150), 10), ('brick', 'gravel'), 0.2))
        return
    color = c.jitter((120, 110, 100), 15)
    c.paint(c.rect(x0, top, x1, top + 1), 'fence', color)
    for bx in np.arange(x0, x1, 3):
        c.paint(c.rect(bx, top, bx + 1, lay.base), 'fence', color)


def _on_sidewalk(c: StreetCanvas, lay: StreetLayout, y: float) -> float | None:
    """A random x on the sidewalk (not the road) at row ``y``, if visible."""
    (wl, wr), (rl, rr) = lay.span(lay.walk, y), lay.span(lay.road, y)
    side = [(max(wl, 0), rl), (rr, min(wr, c.width - 1))][c.rng.integers(2)]
    return None if side[1] - side[0] < 2 else c.rng.uniform(*side)


def _poles(c: StreetCanvas, lay: StreetLayout) -> None:
    rng = c.rng
    for _ in range(rng.integers(0, 4)):
        y = lay.horizon + (c.height - lay.horizon) * rng.uniform(0.15, 0.8)
        x = _on_sidewalk(c, lay, y)
        if x is None:
            continue
        t = lay.depth(y)
        top, half = y - c.height * (0.3 + 0.9 * t), max(0.6, 2.5 * t)
        c.paint(c.rect(x - half, top, x + half, y), 'pole', c.jitter((130, 130, 135), 10))
        size = max(3.0, 14 * t)
        if rng.random() < 0.5:
            color = [(200, 30, 30), (30, 70, 200), (230, 200, 30)][rng.integers(3)]
            c.paint(c.ellipse(x, top, size / 2, size / 2), 'traffic sign', c.jitter(color, 10))
        else:
            c.paint(c.rect(x - size / 3, top - size, x + size / 3, top + size * 0.6), 'traffic light',
                    c.jitter((35, 35, 35), 5))
            c.paint(c.ellipse(x, top - size * 0.5, size / 5, size / 5), 'traffic light',
                    c.jitter([(220, 40, 30), (40, 200, 60)][rng.integers(2)], 10))


def _vehicle(c: StreetCanvas, x: float, y: float, scale: float) -> None:
    """A car (most often), truck or bus standing on row ``y``."""
    rng = c.rng
    kind = ['car', 'car', 'car', 'truck', 'bus'][rng.integers(5)]
    w = c.width * scale * {'car': 0.3, 'truck': 0.36, 'bus': 0.42}[kind] * rng.uniform(0.85, 1.1)
    h = w * {'car': 0.55, 'truck': 0.8, 'bus': 0.75}[kind]
    color = c.jitter([(180, 30, 30), (30, 60, 160), (200, 200, 200), (40, 40, 45), (150, 150, 160),
                      (220, 180, 40)][rng.integers(6)], 15)
    glass = c.jitter((50, 60, 75), 8)
    body_top = y - h * (0.55 if kind == 'car' else 0.9)
    c.paint(c.rect(x - w / 2, body_top, x + w / 2, y - h * 0.12), kind, color)
    if kind == 'car':
        cabin = [(x - w * 0.35, body_top), (x - w * 0.25, y - h), (x + w * 0.25, y - h),
                 (x + w * 0.35, body_top)]
        c.paint(c.polygon(cabin), kind, color)
        c.paint(c.rect(x - w * 0.27, y - h * 0.93, x + w * 0.27, body_top), kind, glass)
    else:
        c.paint(c.rect(x - w * 0.45, body_top + h * 0.1, x + w * 0.45, body_top + h * 0.35), kind, glass)
    for wx in (x - w * 0.32, x + w * 0.32):
        c.paint(c.ellipse(wx, y - h * 0.12, w * 0.1, h * 0.12), kind, c.jitter((25, 25, 25), 4))


def _person(c: StreetCanvas, x: float, y: float, scale: float, label: str = 'person') -> None:
    h = c.height * scale * c.rng.uniform(0.55, 0.75)
    w = h * 0.28
    clothes, legs = c.jitter((90, 80, 120), 50), c.jitter((50, 50, 70), 15)
    c.paint(c.rect(x - w * 0.35, y - h * 0.48, x - w * 0.05, y), label, legs)
    c.paint(c.rect(x + w * 0.05, y - h * 0.48, x + w * 0.35, y), label, legs)
    c.paint(c.rect(x - w / 2, y - h * 0.82, x + w / 2, y - h * 0.45), label, clothes)
    c.paint(c.ellipse(x, y - h * 0.9, w * 0.3, h * 0.09), label, c.jitter((220, 180, 150), 20))


def _cyclist(c: StreetCanvas, x: float, y: float, scale: float) -> None:
    """A rider (train id 12) on a bicycle (18): two wheel rings and a frame."""
    r = c.height * scale * 0.12
    frame = c.jitter((60, 60, 60), 20)
    for wx in (x - r * 1.2, x + r * 1.2):
        ring = c.ellipse(wx, y - r, r, r) & ~c.ellipse(wx, y - r, r * 0.6, r * 0.6)
        c.paint(ring, 'bicycle', frame)
    c.paint(c.polygon([(x - r * 1.2, y - r), (x, y - r * 1.1), (x + r * 1.2, y - r),
                       (x, y - r * 1.5)]), 'bicycle', frame)
    _person(c, x, y - r * 1.2, scale * 0.85, label='rider')


def _traffic(c: StreetCanvas, lay: StreetLayout) -> None:
    """Vehicles on the road and people on the sidewalks, far ones first."""
    rng = c.rng
    items = []
    for _ in range(rng.integers(0, 5)):
        y = lay.horizon + (c.height - lay.horizon) * rng.uniform(0.15, 1.05)
        items.append((y, 'vehicle'))
    for _ in range(rng.integers(0, 5)):
        items.append((lay.horizon + (c.height - lay.horizon) * rng.uniform(0.1, 0.95), 'person'))
    if rng.random() < 0.3:
        items.append((lay.horizon + (c.height - lay.horizon) * rng.uniform(0.3, 0.9), 'cyclist'))
    for y, kind in sorted(items):
        t = max(lay.depth(y), 0.15)  # rows below the image (cut-off vehicles) clip to 1
        if kind == 'person':
            x = _on_sidewalk(c, lay, y)
            if x is not None:
                _person(c, x, y, t)
            continue
        left, right = lay.span(lay.road, min(y, c.height))
        x = rng.uniform(max(left, 0), min(right, c.width))
        (_vehicle if kind == 'vehicle' else _cyclist)(c, x, y, t)


def _ego_vehicle(c: StreetCanvas) -> None:
    """The hood of the recording car: ignored (255), as in Cityscapes."""
    top = c.height * (1 - c.rng.uniform(0.06, 0.12))
    xs = np.linspace(0, c.width, 17)
    ys = top + (c.height - top) * 0.6 * ((xs - c.width / 2) / (c.width / 2)) ** 2
    mask = c.polygon([*zip(xs, ys), (c.width, c.height), (0, c.height)])
    c.paint(mask, IGNORE_INDEX, c.jitter((30, 30, 35), 5))


def render_street_layers(rng: np.random.Generator, height: int, width: int,
                         textured: bool = True) -> tuple[StreetCanvas, StreetLayout]:
    """Paint one scene; the canvas holds the float image (before sensor noise) and the labels."""
    c, lay = StreetCanvas(rng, height, width, textured), StreetLayout(rng, height, width)
    _sky(c, lay)
    _buildings(c, lay)
    _trees(c, lay)
    _ground(c, lay)
    if rng.random() < 0.5:
        _wall_or_fence(c, lay)
    _poles(c, lay)
    _traffic(c, lay)
    if rng.random() < 0.5:
        _ego_vehicle(c)
    return c, lay


def render_street_scene(rng: np.random.Generator, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """One RGB uint8 street image and its train-id label map (uint8)."""
    c, _ = render_street_layers(rng, height, width)
    noise = rng.normal(0, 3, c.image.shape).astype(np.float32)  # sensor noise
    return np.clip(c.image + noise, 0, 255).astype(np.uint8), c.labels
