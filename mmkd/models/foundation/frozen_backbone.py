"""A distilled timm backbone, frozen, as the backbone of an mmseg segmentor (GKD stage 2).

GKD decouples representation learning from task learning: after stage 1
the student's backbone is **frozen** and only a decode head learns the task
on the source domain, so the head cannot pull the features towards what is
specific to the source (textures, lighting). This module gives mmseg's
``EncoderDecoder`` such a backbone:

* it builds the timm model as the stage-1 student did and loads the
  student's weights by path (``ckpt``, e.g. stage 1's ``student_latest.pth``,
  keys ``backbone.*``), strictly and weights-only;
* ``frozen=True``: no parameter requires grad and the module stays in eval
  mode (norm statistics, dropout) whatever the runner sets;
* ``forward`` returns feature maps ``(B, C, h, w)`` of the blocks / stages in
  ``out_indices`` (timm's ``forward_intermediates``), what mmseg heads take.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

from mmengine.model import BaseModule
from torch import Tensor

from mmkd.registry import MODELS
from mmkd.utils.checkpoint import load_into
from .token_student import create_timm_backbone, is_vit


@MODELS.register_module()
class FrozenTimmBackbone(BaseModule):
    """Args:
        arch / arch_cfg: the timm model, as in the stage-1 student.
        out_indices: blocks (ViT) or stages (CNN) whose outputs are returned.
        norm: apply a ViT's final norm to every returned block output (as
            DINOv2's ``get_intermediate_layers(norm=True)``); ignored for CNNs.
        ckpt: the stage-1 student checkpoint (``None``: keep the random
            initialisation, the "no distillation" control).
        ckpt_prefix: key prefix of the backbone in ``ckpt`` (``'backbone.'``
            for a :class:`MaskedTokenStudent` student-only checkpoint).
        frozen: freeze (``False`` fine-tunes the backbone with the head).
    """

    def __init__(self, arch: str, arch_cfg: Optional[dict] = None, out_indices: Sequence[int] = (-1,),
                 norm: bool = True, ckpt: Optional[str] = None, ckpt_prefix: Optional[str] = 'backbone.',
                 frozen: bool = True, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.backbone = create_timm_backbone(arch, arch_cfg, 'FrozenTimmBackbone')
        self.vit = is_vit(self.backbone)
        self.out_indices = tuple(int(i) for i in out_indices)
        self.norm = norm
        self.ckpt, self.ckpt_prefix = ckpt, ckpt_prefix
        self.frozen = frozen
        if frozen:
            self.backbone.requires_grad_(False)
            self.backbone.eval()

    def init_weights(self) -> None:
        """Load the stage-1 student (``ckpt``); without it keep timm's initialisation."""
        if self.ckpt:
            load_into(self.backbone, self.ckpt, prefix=self.ckpt_prefix, what='FrozenTimmBackbone ckpt')

    def train(self, mode: bool = True) -> 'FrozenTimmBackbone':
        super().train(mode)
        if self.frozen:
            self.backbone.eval()
        return self

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        kwargs = dict(indices=list(self.out_indices), output_fmt='NCHW', intermediates_only=True)
        if self.vit:
            kwargs['norm'] = self.norm
        return tuple(self.backbone.forward_intermediates(x, **kwargs))
