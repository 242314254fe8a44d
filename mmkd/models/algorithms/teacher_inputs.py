"""What a teacher sees: the student's batch, or a version of it made for that teacher.

A teacher does not always want the student's input. A foundation-model
teacher expects its own normalisation and input size; an X-Ray teacher the
object-complete version of the student's frame; a teacher of another task
its own data samples. The algorithm asks each teacher's input transform
(``teacher=dict(..., inputs=dict(type=...))``) for the teacher's
``(inputs, data_samples)`` of the step, so such methods need no code path of
their own in the algorithm. Transforms are registered in ``TASK_UTILS``.
"""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import torch
from torch import nn

from mmkd.registry import TASK_UTILS


class TeacherInput:
    """Base class and identity: the teacher sees exactly the student's batch.

    Subclasses override :meth:`__call__`; they run under ``torch.no_grad()``
    for frozen teachers, after the algorithm's data preprocessor.
    """

    def __call__(self, inputs: Any, data_samples: Optional[List[Any]],
                 teacher: nn.Module) -> Tuple[Any, Optional[List[Any]]]:
        return inputs, data_samples

    def describe(self) -> str:
        """One line for logs and cache fingerprints."""
        return type(self).__name__

    def fingerprint(self) -> str:
        """What a teacher-feature cache must know of this view: ``''`` when the teacher's
        features are those of the student's batch (this identity, a copy), else :meth:`describe`."""
        return '' if type(self) is TeacherInput else self.describe()


TASK_UTILS.register_module(name='SameInput', module=TeacherInput)


@TASK_UTILS.register_module()
class ClonedInput(TeacherInput):
    """The student's batch, but the teacher gets its own copy of every input tensor.

    For teachers whose forward writes into their inputs: mmdet3d's
    ``PillarFeatureNet`` (default ``legacy=True``) overwrites the x, y, z of
    the voxel tensor with offsets from the pillar centre in place, so a
    teacher run first on the shared batch would hand the student corrupted
    voxels. Data samples are shared (read-only in forward).
    """

    def __call__(self, inputs: Any, data_samples: Optional[List[Any]],
                 teacher: nn.Module) -> Tuple[Any, Optional[List[Any]]]:
        return clone_tensors(inputs), data_samples

    def fingerprint(self) -> str:
        return ''  # a copy: the same features as the student's batch


def clone_tensors(value: Any) -> Any:
    """``value`` with every tensor cloned, through dicts, lists and tuples."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {k: clone_tensors(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(clone_tensors(v) for v in value)
    return value
