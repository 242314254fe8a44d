"""Teacher input for CutMix semi-supervised distillation: the student's batch plus the unmixed sources.

With CutMix, the student sees ``[x_l; u_mix]`` while a teacher's pseudo-label
for ``u_mix`` must come from its predictions on the two unmixed images
``u0`` and ``u1``, mixed afterwards with the same mask (predicting on the
pasted image itself would let box borders corrupt the teacher's labels).
This transform gives the teacher ``[x_l; u_mix; u0; u1]`` in one forward
(so frozen BN statistics and one batched pass cover all views), reading
``u0``/``u1`` from the ``cutmix_sources`` field that
:class:`~mmkd.models.data_preprocessors.SemiSupervisedSegDataPreProcessor`
puts on the mixed images' data samples. Distillation wiring then picks the
views apart by batch position: :class:`~mmkd.models.connectors.BatchChunkConnector`
for ``x_l`` / ``u_mix`` (4 chunks, index 0 / 1), and
:class:`~mmkd.models.connectors.CutMixConnector` for the mixed pseudo-label
source (chunks 2 and 3). The data samples are passed unchanged: the teacher
runs in ``'tensor'`` mode, which does not read them.
"""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import torch
from torch import nn

from mmkd.registry import TASK_UTILS
from ..data_preprocessors import SOURCES_FIELD
from .teacher_inputs import TeacherInput


@TASK_UTILS.register_module()
class CutMixSourcesInput(TeacherInput):
    """``inputs`` (N, C, H, W) -> ``[inputs; u0; u1]`` (N + 2M, C, H, W), M = mixed images."""

    def __call__(self, inputs: torch.Tensor, data_samples: Optional[List[Any]],
                 teacher: nn.Module) -> Tuple[torch.Tensor, Optional[List[Any]]]:
        sources = [s.get(SOURCES_FIELD) for s in data_samples or [] if SOURCES_FIELD in s]
        if not sources:
            raise ValueError(f'CutMixSourcesInput: no data sample carries {SOURCES_FIELD!r}; the batch must '
                             'come from SemiSupervisedDataset through SemiSupervisedSegDataPreProcessor')
        sources = torch.stack(sources)  # (M, 2, C, H, W)
        if sources.shape[2:] != inputs.shape[1:]:
            raise ValueError(f'CutMixSourcesInput: sources of shape {tuple(sources.shape[2:])} do not match '
                             f'the inputs {tuple(inputs.shape[1:])}')
        return torch.cat([inputs, sources[:, 0], sources[:, 1]]), data_samples
