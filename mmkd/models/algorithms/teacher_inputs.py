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


TASK_UTILS.register_module(name='SameInput', module=TeacherInput)
