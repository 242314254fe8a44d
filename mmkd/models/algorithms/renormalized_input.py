"""A teacher that sees the student's images under its own normalisation and size.

The algorithm's data preprocessor normalises the batch for the student:
``x_S = (x - mean_S) / std_S``. A foundation teacher was trained with other
pixel statistics (DINOv2: ImageNet's, EVA02 and CLIP: OpenAI's) at another
input size (DINOv2 at a multiple of 14 px). This transform undoes the
student's normalisation, applies the teacher's, and resizes:

    x_T = resize((x_S * std_S + mean_S - mean_T) / std_T, size_T)

as timm's distillation task does, so one batch, one data pipeline and one
cache key serve both models. Values are RGB on the 0-255 scale (mmengine's
preprocessors normalise after ``bgr_to_rgb``).
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import TASK_UTILS
from .teacher_inputs import TeacherInput


def _triple(values: Optional[Sequence[float]], what: str) -> Optional[Tuple[float, ...]]:
    if values is None:
        return None
    values = tuple(float(v) for v in values)
    if len(values) != 3:
        raise ValueError(f'RenormalizedInput: {what} must have 3 values (RGB), got {values}')
    return values


@TASK_UTILS.register_module()
class RenormalizedInput(TeacherInput):
    """Args:
        student_mean / student_std: the statistics the student batch was
            normalised with (the algorithm's data preprocessor's ``mean``/``std``).
        mean / std: the teacher's; default the teacher's ``mean`` / ``std``
            attributes (:class:`~mmkd.models.foundation.FoundationTeacher` has them).
        size: ``(H, W)`` of the teacher input; default the teacher's
            ``input_size``; ``None`` on both keeps the student's size.
        mode: interpolation of the resize (``'bilinear'``, ``'bicubic'``, ``'nearest'``...).
        antialias: antialiased downsampling (bilinear/bicubic only).
    """

    def __init__(self, student_mean: Sequence[float], student_std: Sequence[float],
                 mean: Optional[Sequence[float]] = None, std: Optional[Sequence[float]] = None,
                 size: Optional[Sequence[int]] = None, mode: str = 'bilinear', antialias: bool = False) -> None:
        self.student_mean = _triple(student_mean, 'student_mean')
        self.student_std = _triple(student_std, 'student_std')
        self.mean, self.std = _triple(mean, 'mean'), _triple(std, 'std')
        if size is not None:
            size = (int(size), int(size)) if isinstance(size, int) else tuple(int(s) for s in size)
        self.size = size
        self.mode, self.antialias = mode, antialias

    def target(self, teacher: nn.Module) -> Tuple[Tuple[float, ...], Tuple[float, ...], Optional[Tuple[int, int]]]:
        """The teacher's ``(mean, std, size)``: configured values first, else the teacher's attributes."""
        mean = self.mean or _triple(getattr(teacher, 'mean', None), f'{type(teacher).__name__}.mean')
        std = self.std or _triple(getattr(teacher, 'std', None), f'{type(teacher).__name__}.std')
        if mean is None or std is None:
            raise AttributeError(f'RenormalizedInput: the teacher {type(teacher).__name__} has no mean/std '
                                 'attributes; give mean=... and std=... in the teacher inputs config')
        size = self.size or getattr(teacher, 'input_size', None)
        return mean, std, (tuple(size) if size is not None else None)

    def convert(self, inputs: Tensor, mean, std, size) -> Tensor:
        if inputs.ndim != 4 or inputs.shape[1] != 3:
            raise ValueError(f'RenormalizedInput expects a (B, 3, H, W) batch, got {tuple(inputs.shape)}')
        x = inputs.float()

        def column(values):
            return torch.tensor(values, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        x = (x * column(self.student_std) + column(self.student_mean) - column(mean)) / column(std)
        if size is not None and tuple(x.shape[-2:]) != tuple(size):
            align = False if self.mode in ('bilinear', 'bicubic') else None
            x = F.interpolate(x, size=tuple(size), mode=self.mode, align_corners=align,
                              antialias=self.antialias and self.mode in ('bilinear', 'bicubic'))
        return x

    def __call__(self, inputs: Any, data_samples: Optional[List[Any]],
                 teacher: nn.Module) -> Tuple[Any, Optional[List[Any]]]:
        return self.convert(inputs, *self.target(teacher)), data_samples

    def describe(self) -> str:
        return (f'RenormalizedInput(student_mean={self.student_mean}, student_std={self.student_std}, '
                f'mean={self.mean}, std={self.std}, size={self.size}, mode={self.mode}, antialias={self.antialias})')
