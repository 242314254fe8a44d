"""OAKE for one image: object, block and global CLIP embeddings (the three pyramid levels).

The image is a ``(3, H, W)`` CLIP-normalised tensor (``clip_normalize``) at
the resolution the boxes are given in; every region is resampled to the
teacher's input size. All embeddings are L2-normalised float tensors.
"""
from __future__ import annotations

from typing import Callable, Sequence, Tuple

import torch
from torch import Tensor

from mmkd.structures.boxes import adaptive_square_boxes
from mmkd.structures.crops import box_background_masks, crop_and_resize
from .blocks import sliding_block_boxes
from .object_attention import ObjectAwareEncoder

EncodeImage = Callable[[Tensor], Tensor]  # (B, 3, S, S) -> (B, D), L2-normalised


def _in_batches(fn: Callable, count: int, batch_size: int, *tensors: Tensor):
    if batch_size <= 0:
        raise ValueError(f'OAKE: batch_size must be positive, got {batch_size}')
    return [fn(*(t[i:i + batch_size] for t in tensors)) for i in range(0, count, batch_size)]


@torch.no_grad()
def object_embeddings(encoder: ObjectAwareEncoder, image: Tensor, proposals: Tensor,
                      scale_ratio: float = 8.0, batch_size: int = 512) -> Tensor:
    """``(N, D)`` object embeddings of ``proposals`` (``(N, 4)``, pixels of ``image``).

    Each proposal is cropped as its adaptive square (``adaptive_square_boxes``)
    and encoded with object-aware mask attention, the proposal being the foreground.
    """
    if len(proposals) == 0:
        return image.new_zeros(0, encoder.visual.output_dim)
    size = tuple(encoder.visual.image_size)
    squares = adaptive_square_boxes(proposals, image.shape[-2:], scale_ratio)

    def run(sq: Tensor, boxes: Tensor) -> Tensor:
        crops = crop_and_resize(image, sq, size)
        masks = box_background_masks(sq, boxes.float(), size)
        return encoder(crops, masks)[0]

    return torch.cat(_in_batches(run, len(proposals), batch_size, squares, proposals))


@torch.no_grad()
def block_embeddings(encode_image: EncodeImage, image: Tensor, input_size: Sequence[int],
                     block_size: float = 224, max_stride: float = 112,
                     batch_size: int = 512) -> Tuple[Tensor, Tensor]:
    """``(boxes (M, 4), embeddings (M, D))`` of the sliding blocks, the whole image first."""
    boxes = sliding_block_boxes(image.shape[-2:], block_size, max_stride).to(image.device)
    embeddings = _in_batches(lambda b: encode_image(crop_and_resize(image, b, tuple(input_size))),
                             len(boxes), batch_size, boxes)
    return boxes, torch.cat(embeddings)


@torch.no_grad()
def global_embedding(encode_image: EncodeImage, image: Tensor, input_size: Sequence[int]) -> Tensor:
    """``(D,)`` embedding of the whole image resized (not cropped) to the teacher's input size."""
    height, width = image.shape[-2:]
    whole = image.new_tensor([[0.0, 0.0, float(width), float(height)]])
    return encode_image(crop_and_resize(image, whole, tuple(input_size)))[0]
