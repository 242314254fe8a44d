"""Pick one view out of a batch that stacks several views of the same images."""
from __future__ import annotations

from torch import Tensor

from mmkd.registry import MODELS
from .base_connector import BaseConnector


@MODELS.register_module()
class BatchChunkConnector(BaseConnector):
    """``feature.chunk(num_chunks)[index]`` along the batch dimension (no parameters).

    A model may see several views of a batch stacked in one forward: a
    semi-supervised student sees ``[x_l; u_mix]`` and its teachers
    ``[x_l; u_mix; u0; u1]`` (:class:`~mmkd.models.algorithms.CutMixSourcesInput`).
    A loss on one view reads it through this connector, e.g. the student's
    ``u_mix`` as ``(num_chunks=2, index=1)`` and the teacher's as
    ``(num_chunks=4, index=1)``. The batch must split evenly.
    """

    def __init__(self, num_chunks: int, index: int) -> None:
        super().__init__()
        if not 0 <= index < num_chunks:
            raise ValueError(f'BatchChunkConnector: index {index} is not in [0, {num_chunks})')
        self.num_chunks = num_chunks
        self.index = index

    def forward_single(self, feature: Tensor) -> Tensor:
        if feature.shape[0] % self.num_chunks:
            raise ValueError(f'BatchChunkConnector: a batch of {feature.shape[0]} does not split into '
                             f'{self.num_chunks} equal views')
        return feature.chunk(self.num_chunks)[self.index]
