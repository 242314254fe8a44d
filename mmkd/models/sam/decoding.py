"""Run SAM's prompt encoder and mask decoder for many prompts over a batch of images,
returning what full-stage distillation compares.

``Sam.forward`` is ``no_grad`` and returns thresholded masks, so training
calls the parts directly. ``MaskDecoder`` takes one image embedding and
repeats it for each prompt, hence the loop over images. The decoder's output
tokens (the two-way transformer's query output, TinySAM's token target) are
not returned by the library; a forward hook on ``mask_decoder.transformer``
reads them without changing the model.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import torch
from segment_anything.modeling import Sam
from torch import Tensor


@dataclass
class SamPrompts:
    """Prompts for ``N`` masks over a batch of images.

    Coordinates are pixels ``(x, y)`` in the model input frame (the image
    resized to ``image_encoder.img_size``), as ``SamPredictor`` passes them.

    Attributes:
        image_index: ``(N,)`` which image (row of the embedding batch) each prompt is on.
        point_coords: ``(N, P, 2)`` or ``None``.
        point_labels: ``(N, P)``: 1 foreground, 0 background, -1 padding
            (SAM's "not a point", for prompts with fewer points).
        boxes: ``(N, 4)`` ``x0, y0, x1, y1`` or ``None``.
        mask_inputs: ``(N, 1, 4h, 4w)`` low-resolution mask logits (a previous
            prediction) or ``None``.
        num_masks: how many ground-truth masks the prompts stand for, when
            several prompts share a mask (every round of hard point sampling
            is a prompt of its own); ``None``: one mask per prompt. Losses
            weigh prompt types by it, so more rounds do not shift the balance
            between point and box prompts.
    """
    image_index: Tensor
    point_coords: Optional[Tensor] = None
    point_labels: Optional[Tensor] = None
    boxes: Optional[Tensor] = None
    mask_inputs: Optional[Tensor] = None
    num_masks: Optional[int] = None

    def __len__(self) -> int:
        return int(self.image_index.shape[0])

    def mask_count(self) -> int:
        """The number of ground-truth masks these prompts stand for (``num_masks``, else one per prompt)."""
        return len(self) if self.num_masks is None else self.num_masks

    def select(self, idx: Tensor) -> 'SamPrompts':
        """The prompts at positions ``idx``."""
        pick = lambda t: None if t is None else t[idx]  # noqa: E731
        return SamPrompts(self.image_index[idx], pick(self.point_coords), pick(self.point_labels),
                          pick(self.boxes), pick(self.mask_inputs))

    def validate(self, num_images: int) -> None:
        """Raise ``ValueError`` naming the field whose shape is wrong."""
        if self.image_index.ndim != 1 or len(self) == 0:
            raise ValueError(f'SamPrompts.image_index must be (N,) with N > 0, got shape '
                             f'{tuple(self.image_index.shape)}')
        n = len(self)
        if not (0 <= int(self.image_index.min()) and int(self.image_index.max()) < num_images):
            raise ValueError(f'SamPrompts.image_index must lie in 0..{num_images - 1} (the embedding batch), '
                             f'got {self.image_index.tolist()}')
        if (self.point_coords is None) != (self.point_labels is None):
            raise ValueError('SamPrompts: point_coords and point_labels must be given together')
        if self.point_coords is None and self.boxes is None and self.mask_inputs is None:
            raise ValueError('SamPrompts needs points, boxes or mask_inputs')
        expected = dict(point_coords=(n, None, 2), point_labels=(n, None), boxes=(n, 4), mask_inputs=(n, 1, None, None))
        for name, shape in expected.items():
            value = getattr(self, name)
            if value is None:
                continue
            if value.ndim != len(shape) or any(s is not None and s != v for s, v in zip(shape, value.shape)):
                want = tuple('*' if s is None else s for s in shape)
                raise ValueError(f'SamPrompts.{name} must have shape {want} for N={n} prompts, '
                                 f'got {tuple(value.shape)}')
        if self.point_coords is not None and self.point_coords.shape[1] != self.point_labels.shape[1]:
            raise ValueError(f'SamPrompts: point_coords {tuple(self.point_coords.shape)} and point_labels '
                             f'{tuple(self.point_labels.shape)} disagree on the number of points')


@dataclass
class SamDecoderOutput:
    """Attributes (``N`` prompts, ``M`` masks per prompt, ``T`` decoder queries):
        masks: ``(N, M, 4h, 4w)`` low-resolution mask logits.
        iou_predictions: ``(N, M)`` predicted mask IoU.
        tokens: ``(N, T, C)`` two-way transformer output for the queries
            (IoU token, mask tokens, then the prompt tokens).
    """
    masks: Tensor
    iou_predictions: Tensor
    tokens: Tensor


def decode_masks(sam: Sam, image_embeddings: Tensor, prompts: SamPrompts,
                 multimask_output: bool = False) -> SamDecoderOutput:
    """Masks, IoU predictions and decoder tokens for every prompt, in prompt order.

    Args:
        sam: a ``segment_anything`` ``Sam`` (only its prompt encoder and mask
            decoder run; pass the student's or the teacher's).
        image_embeddings: ``(B, C, h, w)`` image encoder output, live or cached.
        prompts: ``N`` prompts; ``prompts.image_index`` picks the embedding row.
        multimask_output: SAM's three-mask output (ambiguous single points)
            instead of the single-mask token.

    Gradients flow as usual; wrap in ``torch.no_grad()`` for a teacher.
    """
    if image_embeddings.ndim != 4:
        raise ValueError(f'decode_masks expects (B, C, h, w) image_embeddings, got {tuple(image_embeddings.shape)}')
    prompts.validate(image_embeddings.shape[0])
    captured: List[Tensor] = []
    handle = sam.mask_decoder.transformer.register_forward_hook(lambda _m, _i, out: captured.append(out[0]))
    order, masks, ious = [], [], []
    try:
        image_pe = sam.prompt_encoder.get_dense_pe()
        for b in torch.unique(prompts.image_index).tolist():
            idx = torch.nonzero(prompts.image_index == b).flatten()
            part = prompts.select(idx)
            points = None if part.point_coords is None else (part.point_coords, part.point_labels)
            sparse, dense = sam.prompt_encoder(points=points, boxes=part.boxes, masks=part.mask_inputs)
            m, iou = sam.mask_decoder(image_embeddings=image_embeddings[b:b + 1], image_pe=image_pe,
                                      sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
                                      multimask_output=multimask_output)
            order.append(idx)
            masks.append(m)
            ious.append(iou)
    finally:
        handle.remove()
    if len(captured) != len(masks):
        raise RuntimeError(f'expected one mask_decoder.transformer call per image, saw {len(captured)} for '
                           f'{len(masks)} images')
    inverse = torch.argsort(torch.cat(order))
    return SamDecoderOutput(torch.cat(masks)[inverse], torch.cat(ious)[inverse], torch.cat(captured)[inverse])
