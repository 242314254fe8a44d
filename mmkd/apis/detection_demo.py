"""Draw detections of one or two detectors on an image (teacher vs student side by side)."""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

Panel = Tuple[str, np.ndarray]


def _colour(label: int) -> Tuple[int, int, int]:
    rng = np.random.default_rng(label + 7)
    return tuple(int(c) for c in rng.integers(60, 255, 3))


def draw_detections(image_bgr: np.ndarray, result, class_names: Sequence[str],
                    score_thr: float = 0.3, title: Optional[str] = None) -> np.ndarray:
    """Boxes with class name and score from an mmdet ``DetDataSample``."""
    canvas = image_bgr.copy()
    inst = result.pred_instances
    keep = inst.scores >= score_thr
    thickness = max(1, round(min(canvas.shape[:2]) / 200))
    scale = max(0.35, min(canvas.shape[:2]) / 600)
    for box, label, score in zip(inst.bboxes[keep].tolist(), inst.labels[keep].tolist(),
                                 inst.scores[keep].tolist()):
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        colour = _colour(label)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, thickness)
        text = f'{class_names[label] if label < len(class_names) else label} {score:.2f}'
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        cv2.rectangle(canvas, (x1, max(0, y1 - th - 4)), (x1 + tw + 2, y1), colour, -1)
        cv2.putText(canvas, text, (x1 + 1, y1 - 3), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1,
                    cv2.LINE_AA)
    if title:
        bar = np.full((int(28 * max(1.0, scale * 2)), canvas.shape[1], 3), 255, np.uint8)
        cv2.putText(bar, f'{title} ({int(keep.sum())} boxes)', (6, bar.shape[0] - 8),
                    cv2.FONT_HERSHEY_SIMPLEX, max(0.45, scale), (0, 0, 0), 1, cv2.LINE_AA)
        canvas = np.concatenate([bar, canvas], axis=0)
    return canvas


def side_by_side(panels: List[np.ndarray], gap: int = 6) -> np.ndarray:
    height = max(p.shape[0] for p in panels)
    padded = [np.pad(p, ((0, height - p.shape[0]), (0, 0), (0, 0)), constant_values=255) for p in panels]
    spacer = np.full((height, gap, 3), 255, np.uint8)
    out = [padded[0]]
    for p in padded[1:]:
        out += [spacer, p]
    return np.concatenate(out, axis=1)
