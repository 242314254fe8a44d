"""OAKE's object-aware mask attention on an open_clip ``VisionTransformer``, through hooks.

A square proposal crop shows the object plus context. The [CLS] embedding of
the crop mixes both; OADP adds an **object token** that reads the object only:

* it starts as a copy of the [CLS] token as it enters the transformer (after
  patch embedding, positional embedding and ``ln_pre``);
* in every residual attention block it attends to ``[patches ; itself]`` (not
  to [CLS]), with an additive bias (``-100`` in OADP) on the keys of background
  patches, then goes through the block's MLP like any token;
* the normal tokens never attend to it, so they, and the crop's [CLS]
  embedding, are exactly those of the unmodified model;
* at the end it goes through ``ln_post`` and ``proj`` like [CLS] and is L2-normalised.

Implementation: during one call, a forward pre-hook on ``visual.transformer``
appends the object token to the sequence and passes an attention mask that
encodes the three rules above; a forward hook takes it off again, so the rest
of ``VisionTransformer.forward`` (pooling, ``ln_post``, ``proj``) runs on the
usual sequence. Every block runs its own forward with that mask; no open_clip
code is edited or replaced, and the hooks are removed when the call ends.

When the mask marks no patch as background, the object token sees the same
keys as [CLS] (itself instead of [CLS], which holds the same value), so the
two stay equal through every block: the object embedding then equals the
crop's CLIP embedding. Background pixels still reach the object token
indirectly from the second block on (foreground patch tokens attend to them),
as in OADP; with a single block and ``background_bias=-inf`` the object
embedding does not depend on fully-background patches at all.
"""
from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F
from open_clip.transformer import VisionTransformer
from torch import Tensor, nn


class ObjectAwareEncoder(nn.Module):
    """Object embeddings of crops from a CLIP image tower with object-aware mask attention.

    Args:
        visual: an open_clip ``VisionTransformer`` (``model.visual``), shared,
            not copied: its weights are the teacher's.
        background_bias: added to the attention logits of the object token on
            background patches (OADP: ``-100``; ``float('-inf')`` removes them).
        background_threshold: a patch is background when at least this
            fraction of its pixels is background in the mask.
    """

    def __init__(self, visual: nn.Module, background_bias: float = -100.0,
                 background_threshold: float = 0.5) -> None:
        super().__init__()
        if not isinstance(visual, VisionTransformer):
            raise TypeError('ObjectAwareEncoder needs an open_clip VisionTransformer (model.visual of a ViT '
                            f'CLIP), got {type(visual).__name__}')
        if visual.attn_pool is not None or visual.pool_type != 'tok':
            raise ValueError('ObjectAwareEncoder needs a [CLS]-token ViT (pool_type="tok", no attentional '
                             f'pooling), got pool_type={visual.pool_type!r}, '
                             f'attentional_pool={visual.attn_pool is not None}')
        if background_bias > 0:
            raise ValueError(f'ObjectAwareEncoder: background_bias must be <= 0, got {background_bias}')
        if not 0.0 < background_threshold <= 1.0:
            raise ValueError(f'ObjectAwareEncoder: background_threshold must be in (0, 1], got '
                             f'{background_threshold}')
        self.visual = visual
        self.background_bias = float(background_bias)
        self.background_threshold = float(background_threshold)

    @property
    def grid_size(self) -> Tuple[int, int]:
        return tuple(self.visual.grid_size)

    def patch_background(self, background_masks: Tensor) -> Tensor:
        """``(B, h, w)`` masks (1 / True = background, any resolution) to ``(B, grid_h * grid_w)`` bool."""
        if background_masks.ndim != 3:
            raise ValueError('ObjectAwareEncoder expects background masks of shape (B, h, w), got '
                             f'{tuple(background_masks.shape)}')
        fraction = F.adaptive_avg_pool2d(background_masks[:, None].float(), self.grid_size)
        return (fraction >= self.background_threshold).flatten(1)

    def attention_mask(self, background: Tensor, num_heads: int, dtype: torch.dtype) -> Tensor:
        """Additive ``(B * heads, L + 1, L + 1)`` mask over ``[CLS, patches, object]``.

        Rows are queries, columns keys; the batch-major head order is the one
        ``nn.MultiheadAttention`` and open_clip's ``Attention`` expect.
        """
        b, num_patches = background.shape
        length = num_patches + 1
        mask = background.new_zeros(b, length + 1, length + 1, dtype=torch.float32)
        mask[:, :length, length] = float('-inf')       # CLS and patches do not see the object token
        mask[:, length, 0] = float('-inf')             # the object token does not see CLS
        mask[:, length, 1:length] = torch.where(background, self.background_bias, 0.0)
        return mask.repeat_interleave(num_heads, dim=0).to(dtype)

    def forward(self, images: Tensor, background_masks: Tensor) -> Tuple[Tensor, Tensor]:
        """L2-normalised ``(object_embeddings, image_embeddings)``, both ``(B, embed_dim)``.

        ``images``: ``(B, 3, S, S)`` CLIP-normalised crops at the tower's input
        size; ``background_masks``: ``(B, h, w)``, 1 / True outside the object.
        ``image_embeddings`` is the crop's ordinary CLIP embedding ([CLS]).
        """
        if images.ndim != 4 or background_masks.shape[0] != images.shape[0]:
            raise ValueError(f'ObjectAwareEncoder: images {tuple(images.shape)} and background masks '
                             f'{tuple(background_masks.shape)} must be (B, 3, S, S) and (B, h, w)')
        visual = self.visual
        background = self.patch_background(background_masks.to(images.device))
        length = background.shape[1] + 1
        num_heads = visual.transformer.resblocks[0].attn.num_heads
        state = {}

        def append_object_token(module, args, kwargs):
            x = args[0]
            if x.shape[1] != length:
                raise RuntimeError(f'ObjectAwareEncoder: the transformer got {x.shape[1]} tokens, expected '
                                   f'{length} ([CLS] + {length - 1} patches); is patch dropout active '
                                   '(call eval()) or the input not of the tower\'s size?')
            if kwargs.get('attn_mask') is not None:
                raise RuntimeError('ObjectAwareEncoder: the vision transformer already got an attn_mask')
            kwargs = dict(kwargs, attn_mask=self.attention_mask(background, num_heads, x.dtype))
            return (torch.cat([x, x[:, :1]], dim=1), *args[1:]), kwargs

        def remove_object_token(module, args, kwargs, output):
            state['object'] = output[:, -1]
            return output[:, :-1]

        handles = [visual.transformer.register_forward_pre_hook(append_object_token, with_kwargs=True),
                   visual.transformer.register_forward_hook(remove_object_token, with_kwargs=True)]
        try:
            image_embeddings = visual(images)
        finally:
            for handle in handles:
                handle.remove()
        if isinstance(image_embeddings, tuple):  # output_tokens=True towers return (pooled, tokens)
            image_embeddings = image_embeddings[0]
        objects = visual.ln_post(state['object'])
        if visual.proj is not None:
            objects = objects @ visual.proj
        return F.normalize(objects, dim=-1), F.normalize(image_embeddings, dim=-1)
