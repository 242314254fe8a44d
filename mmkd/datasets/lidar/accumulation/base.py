"""How the views of one object, taken in several frames, become one point cloud.

Each frame contributes the points inside the object's box, already moved
into the box's canonical frame. A strategy turns those per-frame clouds into
the cloud re-placed into one target frame: concatenate all of them (trusting
the boxes to align the views), keep the target's own (the single-frame
ablation), or register the views before concatenating (when boxes are not
exact, e.g. from a tracker).
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Sequence

import numpy as np


class AccumulationStrategy(metaclass=ABCMeta):
    #: whether :meth:`accumulate` looks at ``target``; when not, one result serves every frame
    depends_on_target = False

    @abstractmethod
    def accumulate(self, clouds: Sequence[np.ndarray], target: int) -> np.ndarray:
        """Canonical clouds (N_i, C), one per frame of the track, -> the cloud for frame ``target``."""

    def describe(self) -> dict:
        """Parameters that change the result (part of the output's fingerprint)."""
        return dict(type=type(self).__name__)
