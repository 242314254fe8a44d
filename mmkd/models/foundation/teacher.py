"""Vision foundation models as frozen teachers, built by name, emitting one token layout.

Every family gives the same output, the **token features** ``(B, 1 + N, C)``:
the class token followed by the ``N`` patch tokens of the last block after
the final norm (DINOv2's ``x_norm_clstoken`` and ``x_norm_patchtokens``).
They pass through the identity module ``tokens``, so a distiller records them
with ``dict(type='ModuleOutputs', source='tokens')`` whatever the family, and
a teacher-feature cache stores them like any recorded feature.

* ``timm``: DINOv2 (``vit_*_patch14_dinov2``, ``*_reg4_dinov2``), EVA02
  (``eva02_*``), DeiT and any timm ViT; official files load through
  :func:`~mmkd.models.foundation.checkpoint.load_timm_foundation_checkpoint`.
* ``open_clip``: the image tower of an open_clip CLIP (``ViT-B-16``...) or of
  one of mmkd's small CLIPs; the tower's ``visual.*`` tensors of a whole CLIP
  checkpoint (read by :func:`mmkd.models.clip.read_clip_state_dict`) load
  strictly. The tokens are the output of ``ln_post`` (before the projection).
* ``sam``: SAM's image encoder (``vit_b``/``vit_l``/``vit_h`` or an assembled
  size); the ``image_encoder.*`` tensors of an official file load strictly
  with :func:`mmkd.models.sam.load_sam_checkpoint`.
  SAM has no class token: its place holds the mean of the patch tokens, and
  the patch tokens are the neck's embedding ``(256, H/16, W/16)`` flattened.

Each teacher knows its own pixel statistics and input size (``mean``,
``std`` on the 0-255 RGB scale, ``input_size``), which
:class:`~mmkd.models.algorithms.renormalized_input.RenormalizedInput` reads to
convert the student's batch. Nothing is downloaded: weights come from
``checkpoint``, a local file read by :meth:`FoundationTeacher.init_weights`.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModel
from torch import Tensor, nn

from mmkd.registry import MODELS
from .checkpoint import load_strict, load_timm_foundation_checkpoint

FAMILIES = ('timm', 'open_clip', 'sam')

#: short names of released foundation models -> (family, architecture name)
FOUNDATION_MODELS: Dict[str, Tuple[str, str]] = {
    'dinov2_vits14': ('timm', 'vit_small_patch14_dinov2'),
    'dinov2_vitb14': ('timm', 'vit_base_patch14_dinov2'),
    'dinov2_vitl14': ('timm', 'vit_large_patch14_dinov2'),
    'dinov2_vitg14': ('timm', 'vit_giant_patch14_dinov2'),
    'dinov2_vitb14_reg4': ('timm', 'vit_base_patch14_reg4_dinov2'),
    'eva02_small': ('timm', 'eva02_small_patch14_224'),
    'eva02_base': ('timm', 'eva02_base_patch14_224'),
    'eva02_large': ('timm', 'eva02_large_patch14_224'),
    'clip_vit_b16': ('open_clip', 'ViT-B-16'),
    'clip_vit_l14': ('open_clip', 'ViT-L-14'),
    'sam_vit_b': ('sam', 'vit_b'),
    'sam_vit_l': ('sam', 'vit_l'),
    'sam_vit_h': ('sam', 'vit_h'),
}

IMAGENET_MEAN_255 = (123.675, 116.28, 103.53)
IMAGENET_STD_255 = (58.395, 57.12, 57.375)


def _to_255(values: Sequence[float]) -> Tuple[float, ...]:
    return tuple(float(v) * 255.0 for v in values)


def _pair(size: Any) -> Tuple[int, int]:
    if isinstance(size, int):
        return size, size
    return tuple(int(s) for s in size)


@MODELS.register_module()
class FoundationTeacher(BaseModel):
    """Args:
        name: a key of :data:`FOUNDATION_MODELS` (``'dinov2_vitb14'``...), or
            leave it out and give ``family`` and ``arch``.
        family: ``'timm'``, ``'open_clip'`` or ``'sam'``.
        arch: the timm model name, the open_clip model name (or an mmkd small
            CLIP name), the SAM name (``'vit_b'``); ``None`` for an assembled
            SAM or an open_clip ``model_cfg`` given in ``arch_cfg``.
        arch_cfg: size arguments: timm ``create_model`` kwargs (``img_size``,
            ``patch_size``, ``depth``, ``embed_dim``, ``num_heads``); for
            open_clip ``dict(model_cfg=...)`` or ``create_model`` kwargs; for SAM
            ``build_sam`` sizes.
        checkpoint: a local file in the official layout of the family, loaded
            strictly by :meth:`init_weights` (the runner calls it before
            training). (Not ``ckpt``: the algorithm's teacher spec reserves
            that key for mmkd-layout checkpoints.)
        checkpoint_prefix: (timm family) keys of the model inside a larger
            checkpoint, e.g. ``'encoder.'`` for an mmkd ``MAEPretrainer`` run's.
        checkpoint_weights_only: ``torch.load`` safety; ``False`` only for trusted files.
        mean / std: the teacher's pixel statistics, RGB on the 0-255 scale
            (default: the family's / timm's pretrained config).
        input_size: ``(H, W)`` the teacher sees (default: the model's own).
    """

    def __init__(self, name: Optional[str] = None, family: Optional[str] = None, arch: Optional[str] = None,
                 arch_cfg: Optional[Dict[str, Any]] = None, checkpoint: Optional[str] = None,
                 checkpoint_prefix: Optional[str] = None, checkpoint_weights_only: bool = True,
                 mean: Optional[Sequence[float]] = None, std: Optional[Sequence[float]] = None,
                 input_size: Optional[Any] = None,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if name is not None:
            if name not in FOUNDATION_MODELS:
                raise KeyError(f'FoundationTeacher: unknown name {name!r}; known: {sorted(FOUNDATION_MODELS)} '
                               "(or give family='timm'|'open_clip'|'sam' and arch=...)")
            if family is not None or arch is not None:
                raise ValueError(f'FoundationTeacher: name={name!r} fixes family and arch; do not give them too')
            family, arch = FOUNDATION_MODELS[name]
        if family not in FAMILIES:
            raise ValueError(f'FoundationTeacher: family must be one of {FAMILIES}, got {family!r}')
        self.family, self.arch = family, arch
        arch_cfg = dict(arch_cfg or {})
        build = {'timm': self._build_timm, 'open_clip': self._build_open_clip, 'sam': self._build_sam}[family]
        if checkpoint_prefix and family != 'timm':
            raise ValueError(f'FoundationTeacher: checkpoint_prefix is for the timm family; {family} loads whole '
                             'official checkpoints')
        self.checkpoint_prefix = checkpoint_prefix
        self.checkpoint, self.checkpoint_weights_only = checkpoint, checkpoint_weights_only
        default_mean, default_std, default_size = build(arch, arch_cfg)
        self.mean = tuple(float(m) for m in (mean if mean is not None else default_mean))
        self.std = tuple(float(s) for s in (std if std is not None else default_std))
        self.input_size = _pair(input_size if input_size is not None else default_size)
        self.tokens = nn.Identity()  # the recorded output: (B, 1 + N, C)
        self.requires_grad_(False)
        self.eval()

    # ------------------------------------------------------------ building
    def _build_timm(self, arch, arch_cfg):
        import timm
        if arch_cfg.pop('pretrained', False):
            raise ValueError('FoundationTeacher: pretrained=True would download weights; give checkpoint=<file>')
        if not timm.is_model(arch):
            raise KeyError(f'FoundationTeacher: unknown timm model {arch!r}; e.g. '
                           f'{timm.list_models("*dinov2*")[:4] + timm.list_models("eva02*")[:3]}')
        self.encoder = timm.create_model(arch, pretrained=False, num_classes=0, **arch_cfg)
        cfg = getattr(self.encoder, 'pretrained_cfg', {}) or {}
        return (_to_255(cfg.get('mean', (0.485, 0.456, 0.406))), _to_255(cfg.get('std', (0.229, 0.224, 0.225))),
                tuple(self.encoder.patch_embed.img_size))

    def _build_open_clip(self, arch, arch_cfg):
        from mmkd.models.clip import build_open_clip, clip_mean_std
        model_cfg = arch_cfg.pop('model_cfg', None)
        clip = build_open_clip(arch if model_cfg is None else None, model_cfg, **arch_cfg)
        visual = clip.visual
        if not hasattr(visual, 'ln_post') or getattr(visual, 'attn_pool', None) is not None \
                or getattr(visual, 'final_ln_after_pool', False):
            raise ValueError(f'FoundationTeacher: open_clip tower {type(visual).__name__} of {arch!r} is not a '
                             'class-token ViT with ln_post before pooling; its tokens cannot be read')
        self.encoder = visual  # the text tower is dropped
        mean, std = clip_mean_std(clip)
        return _to_255(mean), _to_255(std), tuple(visual.image_size)

    def _build_sam(self, arch, arch_cfg):
        from mmkd.models.sam import build_sam
        sam = build_sam(arch, **arch_cfg)
        self.encoder = sam.image_encoder  # prompt encoder and mask decoder are dropped
        mean = tuple(float(v) for v in sam.pixel_mean.flatten())
        std = tuple(float(v) for v in sam.pixel_std.flatten())
        return mean, std, self.encoder.img_size

    # ------------------------------------------------------------- loading
    def init_weights(self) -> None:
        """Load ``checkpoint`` (strictly, weights-only) into the encoder; without one keep its
        initialisation. Called by the algorithm / runner before training, like mmengine's
        ``init_cfg=Pretrained``, so configs build without the file (tests, exports).

        (mmengine's default would re-run the timm model's own ``init_weights``.)
        """
        if not self.checkpoint:
            return
        path, weights_only = self.checkpoint, self.checkpoint_weights_only
        if self.family == 'timm':
            load_timm_foundation_checkpoint(self.encoder, path, weights_only, prefix=self.checkpoint_prefix)
        elif self.family == 'open_clip':  # a whole CLIP file: its image tower, strictly
            from mmkd.models.clip import read_clip_state_dict
            state = read_clip_state_dict(path, weights_only=weights_only)
            load_strict(self.encoder, {k[len('visual.'):]: v for k, v in state.items() if k.startswith('visual.')},
                        f'{path!r} (visual.*)')
        else:
            from mmkd.models.sam import load_sam_checkpoint
            load_sam_checkpoint(self.encoder, path, weights_only=weights_only, prefix='image_encoder.')

    # ------------------------------------------------------------- running
    def train(self, mode: bool = True) -> 'FoundationTeacher':
        """A foundation teacher is frozen: it stays in eval mode."""
        return super().train(False)

    def encode(self, inputs: Tensor) -> Tensor:
        """``(B, 3, H, W)`` teacher-normalised images -> tokens ``(B, 1 + N, C)``."""
        if tuple(inputs.shape[-2:]) != self.input_size:
            raise ValueError(f'FoundationTeacher({self.arch}): inputs of size {tuple(inputs.shape[-2:])}, the '
                             f'teacher takes {self.input_size}; give the teacher RenormalizedInput '
                             '(teacher=dict(..., inputs=dict(type="RenormalizedInput", ...)))')
        if self.family == 'timm':
            x = self.encoder.forward_features(inputs)
            fc_norm = getattr(self.encoder, 'fc_norm', None)
            if isinstance(self.encoder.norm, nn.Identity) and isinstance(fc_norm, nn.LayerNorm):
                x = fc_norm(x)  # EVA02: the final norm is applied after pooling; here to every token
            prefix = getattr(self.encoder, 'num_prefix_tokens', 1)
            patches = x[:, prefix:]
            cls = x[:, :1] if getattr(self.encoder, 'cls_token', None) is not None \
                else patches.mean(1, keepdim=True)
            return torch.cat([cls, patches], dim=1)
        if self.family == 'open_clip':
            captured = []
            handle = self.encoder.ln_post.register_forward_hook(lambda m, i, o: captured.append(o))
            try:
                self.encoder(inputs)
            finally:
                handle.remove()
            return captured[-1]
        embedding = self.encoder(inputs)  # SAM: (B, C, h, w) after the neck
        patches = embedding.flatten(2).transpose(1, 2)
        return torch.cat([patches.mean(1, keepdim=True), patches], dim=1)

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = 'tensor') -> Tensor:
        if mode != 'tensor':
            raise ValueError(f"FoundationTeacher only computes features (mode='tensor'), got mode={mode!r}")
        return self.tokens(self.encode(inputs))

    @property
    def grid(self) -> Tuple[int, int]:
        """The patch grid of ``input_size``."""
        if self.family == 'timm':
            patch = self.encoder.patch_embed.patch_size
        elif self.family == 'open_clip':
            patch = self.encoder.patch_size
        else:
            patch = self.encoder.patch_embed.proj.kernel_size
        patch = _pair(patch)
        return self.input_size[0] // patch[0], self.input_size[1] // patch[1]
