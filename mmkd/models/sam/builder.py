"""Build Segment Anything models from segment_anything's own classes.

Two ways to name a model:

* ``build_sam('vit_b')`` (``vit_l``, ``vit_h``): segment_anything's official
  builders, so the parameter names and shapes are exactly those of the
  released checkpoints (:func:`~mmkd.models.sam.load_sam_checkpoint` loads one).
* ``build_sam(img_size=128, patch_size=8, encoder_embed_dim=96, ...)``: the same
  assembly (``ImageEncoderViT`` -> ``PromptEncoder`` -> ``MaskDecoder`` with a
  ``TwoWayTransformer``) at a size that trains on a CPU, e.g. a 128 px teacher
  with a 256-channel 16x16 embedding. ``image_encoder=dict(type=...)`` swaps in
  another encoder (a TinySAM student's), keeping SAM's prompt encoder and mask
  decoder.

The result is always a stock ``segment_anything.modeling.Sam``, so
``SamPredictor`` and ``SamAutomaticMaskGenerator`` work on it unchanged.
"""
from __future__ import annotations

import inspect
from functools import partial
from typing import Optional, Sequence, Union

import torch
from segment_anything.build_sam import sam_model_registry
from segment_anything.modeling import ImageEncoderViT, MaskDecoder, PromptEncoder, Sam, TwoWayTransformer
from torch import nn

from mmkd.registry import MODELS
from .checkpoint import load_sam_checkpoint

#: the official names segment_anything builds (``default`` is an alias of ``vit_h``).
OFFICIAL_SAM_ARCHS = ('vit_b', 'vit_l', 'vit_h')

# SAM's pixel statistics (ImageNet mean/std in 0-255 RGB), used by Sam.preprocess.
SAM_PIXEL_MEAN = (123.675, 116.28, 103.53)
SAM_PIXEL_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
def build_sam_vit_encoder(img_size: int = 1024, patch_size: int = 16, embed_dim: int = 768, depth: int = 12,
                          num_heads: int = 12, global_attn_indexes: Sequence[int] = (2, 5, 8, 11),
                          window_size: int = 14, out_chans: int = 256, mlp_ratio: float = 4.0,
                          use_rel_pos: bool = True) -> ImageEncoderViT:
    """SAM's ViT image encoder with the recipe of the official builders.

    The defaults are ViT-B's. The non-size settings the official models share
    (LayerNorm eps 1e-6, qkv bias, relative positions) are fixed here so a
    small encoder differs from the released ones only in size. The embedding
    is ``(out_chans, img_size / patch_size, img_size / patch_size)``.
    """
    if img_size % patch_size:
        raise ValueError(f'build_sam_vit_encoder: img_size {img_size} is not a multiple of patch_size {patch_size}')
    bad = [i for i in global_attn_indexes if not 0 <= i < depth]
    if bad:
        raise ValueError(f'build_sam_vit_encoder: global_attn_indexes {list(global_attn_indexes)} name blocks '
                         f'{bad} outside 0..{depth - 1} (depth={depth})')
    return ImageEncoderViT(img_size=img_size, patch_size=patch_size, embed_dim=embed_dim, depth=depth,
                           num_heads=num_heads, mlp_ratio=mlp_ratio, out_chans=out_chans, qkv_bias=True,
                           norm_layer=partial(nn.LayerNorm, eps=1e-6), use_rel_pos=use_rel_pos,
                           window_size=window_size, global_attn_indexes=tuple(global_attn_indexes))


def _embedding_shape(encoder: nn.Module) -> tuple:
    """Run the encoder once on a blank image to read the embedding shape.

    Works for any encoder (SAM's ViT, a timm wrapper) without each one having
    to declare its output size; the check is cheap at the sizes that train here.
    """
    if not isinstance(getattr(encoder, 'img_size', None), int):
        raise AttributeError(f'{type(encoder).__name__} has no integer `img_size`; Sam.preprocess pads images '
                             'to image_encoder.img_size, so a SAM image encoder must define it')
    was_training = encoder.training
    encoder.eval()
    try:
        param = next(encoder.parameters(), None)
        device = param.device if param is not None else torch.device('cpu')
        with torch.no_grad():
            out = encoder(torch.zeros(1, 3, encoder.img_size, encoder.img_size, device=device))
    finally:
        encoder.train(was_training)
    if out.ndim != 4:
        raise ValueError(f'{type(encoder).__name__} must return a (B, C, H, W) embedding, got shape '
                         f'{tuple(out.shape)}')
    return tuple(out.shape[1:])


_VIT_B_ENCODER = dict(img_size=1024, patch_size=16, embed_dim=768, depth=12, num_heads=12,
                      global_attn_indexes=(2, 5, 8, 11), window_size=14)


def _assemble_sam(img_size: Optional[int] = None, patch_size: Optional[int] = None,
                  encoder_embed_dim: Optional[int] = None, encoder_depth: Optional[int] = None,
                  encoder_num_heads: Optional[int] = None, encoder_global_attn_indexes: Optional[Sequence[int]] = None,
                  encoder_window_size: Optional[int] = None, image_encoder: Optional[Union[dict, nn.Module]] = None,
                  prompt_embed_dim: int = 256, mask_in_chans: int = 16, decoder_depth: int = 2,
                  decoder_mlp_dim: int = 2048, decoder_num_heads: int = 8, num_multimask_outputs: int = 3,
                  iou_head_depth: int = 3, iou_head_hidden_dim: int = 256,
                  pixel_mean: Sequence[float] = SAM_PIXEL_MEAN, pixel_std: Sequence[float] = SAM_PIXEL_STD) -> Sam:
    """Assemble a ``Sam`` the way ``segment_anything.build_sam._build_sam`` does, at any size.

    The ViT arguments default to ViT-B's; with ``image_encoder`` they must be
    left out (the encoder defines its own input size), so a setting that
    would be ignored is refused instead.
    """
    vit = dict(img_size=img_size, patch_size=patch_size, embed_dim=encoder_embed_dim, depth=encoder_depth,
               num_heads=encoder_num_heads, global_attn_indexes=encoder_global_attn_indexes,
               window_size=encoder_window_size)
    given = {k: v for k, v in vit.items() if v is not None}
    if image_encoder is None:
        image_encoder = build_sam_vit_encoder(**{**_VIT_B_ENCODER, **given}, out_chans=prompt_embed_dim)
    else:
        if given:
            names = sorted(k if k in ('img_size', 'patch_size') else f'encoder_{k}' for k in given)
            raise ValueError(f'build_sam: {names} size the default ViT encoder and would be ignored with '
                             'image_encoder=...; set the size in the image_encoder config')
        if isinstance(image_encoder, dict):
            image_encoder = MODELS.build(image_encoder)
    channels, emb_h, emb_w = _embedding_shape(image_encoder)
    if channels != prompt_embed_dim:
        raise ValueError(f'the image encoder {type(image_encoder).__name__} gives {channels}-channel embeddings, '
                         f'but prompt_embed_dim={prompt_embed_dim}: the mask decoder needs them equal')
    prompt_encoder = PromptEncoder(embed_dim=prompt_embed_dim, image_embedding_size=(emb_h, emb_w),
                                   input_image_size=(image_encoder.img_size, image_encoder.img_size),
                                   mask_in_chans=mask_in_chans)
    mask_decoder = MaskDecoder(num_multimask_outputs=num_multimask_outputs,
                               transformer=TwoWayTransformer(depth=decoder_depth, embedding_dim=prompt_embed_dim,
                                                             mlp_dim=decoder_mlp_dim, num_heads=decoder_num_heads),
                               transformer_dim=prompt_embed_dim, iou_head_depth=iou_head_depth,
                               iou_head_hidden_dim=iou_head_hidden_dim)
    return Sam(image_encoder=image_encoder, prompt_encoder=prompt_encoder, mask_decoder=mask_decoder,
               pixel_mean=list(pixel_mean), pixel_std=list(pixel_std))


@MODELS.register_module()
def build_sam(arch: Optional[str] = None, checkpoint: Optional[str] = None, checkpoint_weights_only: bool = True,
              **arch_cfg) -> Sam:
    """A ``segment_anything`` ``Sam``, by official name or by size.

    Args:
        arch: ``'vit_b'``, ``'vit_l'`` or ``'vit_h'`` for segment_anything's
            own builders; ``None`` to assemble from ``arch_cfg``.
        checkpoint: a local state-dict file, loaded strictly by
            :func:`load_sam_checkpoint` (nothing is downloaded).
        checkpoint_weights_only: ``False`` opts out of ``torch.load``'s
            weights-only mode, for trusted files that pickle other objects.
        **arch_cfg: sizes for an assembled model (only without ``arch``):
            ``img_size``, ``patch_size``, ``encoder_embed_dim``,
            ``encoder_depth``, ``encoder_num_heads``,
            ``encoder_global_attn_indexes``, ``encoder_window_size``,
            ``image_encoder`` (a config dict or module replacing the ViT),
            ``prompt_embed_dim``, ``mask_in_chans``, ``decoder_depth``,
            ``decoder_mlp_dim``, ``decoder_num_heads``,
            ``num_multimask_outputs``, ``iou_head_depth``,
            ``iou_head_hidden_dim``, ``pixel_mean``, ``pixel_std``.
            Defaults are ViT-B's; ``img_size`` and the ``encoder_*`` sizes are
            for the default ViT and cannot be combined with ``image_encoder``.

    The model is returned in train mode when assembled (it is usually trained
    here) and in eval mode when official (segment_anything's builders set it).
    """
    if arch is not None:
        if arch not in OFFICIAL_SAM_ARCHS:
            raise KeyError(f'build_sam: unknown arch {arch!r}; official ones are {list(OFFICIAL_SAM_ARCHS)}, '
                           'or pass arch=None with sizes (img_size=..., encoder_embed_dim=...)')
        if arch_cfg:
            raise ValueError(f'build_sam: arch={arch!r} fixes every size, so {sorted(arch_cfg)} cannot be set; '
                             'pass arch=None to assemble a model of your own size')
        sam = sam_model_registry[arch](checkpoint=None)
    else:
        unknown = sorted(set(arch_cfg) - set(inspect.signature(_assemble_sam).parameters))
        if unknown:
            raise TypeError(f'build_sam: unknown arguments {unknown}; the size arguments are '
                            f'{list(inspect.signature(_assemble_sam).parameters)}')
        sam = _assemble_sam(**arch_cfg)
    if checkpoint is not None:
        load_sam_checkpoint(sam, checkpoint, weights_only=checkpoint_weights_only)
    return sam
