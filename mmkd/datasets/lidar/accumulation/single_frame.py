"""No accumulation: each frame keeps its own view (the ablation of object completion)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .base import AccumulationStrategy


class SingleFrameStrategy(AccumulationStrategy):
    depends_on_target = True

    def accumulate(self, clouds: Sequence[np.ndarray], target: int) -> np.ndarray:
        return clouds[target]
