"""Mix a model's outputs on two unmixed images with the batch's CutMix masks."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS
from ..data_preprocessors import MASK_FIELD
from .base_connector import BaseConnector


def cutmix_outputs(out0: Tensor, out1: Tensor, masks: Tensor) -> Tensor:
    """``out0 * (1 - m) + out1 * m`` with masks ``(N, 1, H, W)`` resized (nearest) to the outputs."""
    if masks.shape[0] != out0.shape[0]:
        raise ValueError(f'cutmix_outputs: {masks.shape[0]} masks for {out0.shape[0]} outputs')
    if masks.shape[-2:] != out0.shape[-2:]:
        masks = F.interpolate(masks.float(), size=out0.shape[-2:], mode='nearest')
    masks = masks.to(out0.dtype)
    return out0 * (1 - masks) + out1 * masks


@MODELS.register_module()
class CutMixConnector(BaseConnector):
    """The output a model would give on ``u_mix`` if it saw ``u0`` and ``u1`` apart.

    Reads views ``sources`` (indices of ``num_chunks`` equal batch chunks,
    default the last two of ``[x_l; u_mix; u0; u1]``) and mixes them with
    the ``cutmix_mask`` of the batch's mixed images, so a teacher's
    pseudo-label for the student's ``u_mix`` is the mix of its predictions
    on the unmixed images (CutMix-Seg, CPS, MGD-SSSS). With a {0, 1} mask the
    argmax of the mixed logits is the mix of the argmaxes, so mixing logits
    or labels is the same. No parameters; it reads the masks from the batch's
    data samples, wired as ``connector_inputs=dict(data_samples='data_samples')``.
    """

    def __init__(self, num_chunks: int = 4, sources: Sequence[int] = (2, 3)) -> None:
        super().__init__()
        if len(sources) != 2 or not all(0 <= s < num_chunks for s in sources):
            raise ValueError(f'CutMixConnector: sources must be two chunk indices in [0, {num_chunks}), '
                             f'got {sources}')
        self.num_chunks = num_chunks
        self.sources = tuple(sources)

    def forward(self, feature: Any, data_samples: Optional[List[Any]] = None) -> Any:
        masks = [s.get(MASK_FIELD) for s in data_samples or [] if MASK_FIELD in s]
        if not masks:
            raise ValueError(f'CutMixConnector: no data sample carries {MASK_FIELD!r}; the batch must come '
                             'from SemiSupervisedDataset through SemiSupervisedSegDataPreProcessor')
        masks = torch.stack(masks)
        if isinstance(feature, (list, tuple)):
            return type(feature)(self.mix(f, masks) for f in feature)
        return self.mix(feature, masks)

    def mix(self, feature: Tensor, masks: Tensor) -> Tensor:
        if feature.shape[0] % self.num_chunks:
            raise ValueError(f'CutMixConnector: a batch of {feature.shape[0]} does not split into '
                             f'{self.num_chunks} equal views')
        chunks = feature.chunk(self.num_chunks)
        return cutmix_outputs(chunks[self.sources[0]], chunks[self.sources[1]], masks.to(feature.device))
