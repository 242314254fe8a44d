"""SAM's input frame as an mmengine data preprocessor, and the check that a batch is in it.

``Sam.preprocess`` normalises and pads inside the model; in mmengine that is
the data preprocessor's job, so the SAM task model (and any algorithm built
on it) gets it from :func:`sam_data_preprocessor` and checks the result with
:func:`check_sam_inputs`, which says how to fix a pipeline that does not
resize to the encoder's size.
"""
from __future__ import annotations

from segment_anything.modeling import Sam
from torch import Tensor

from .builder import SAM_PIXEL_MEAN, SAM_PIXEL_STD


def sam_data_preprocessor(img_size: int) -> dict:
    """mmdet's ``DetDataPreprocessor`` doing what ``Sam.preprocess`` does.

    SAM normalises RGB with its own statistics (mmcv loads BGR, hence ``bgr_to_rgb``) and pads bottom-right to
    ``img_size``; with images resized so their longer side is ``img_size``
    (``Resize(scale=(s, s), keep_ratio=True)``) padding to a multiple of
    ``img_size`` is exactly that. Training masks are padded the same way.
    """
    return dict(type='mmdet.DetDataPreprocessor', mean=list(SAM_PIXEL_MEAN), std=list(SAM_PIXEL_STD),
                bgr_to_rgb=True, pad_size_divisor=img_size, pad_mask=True)


def check_sam_inputs(sam: Sam, inputs: Tensor, who: str) -> None:
    """Raise unless ``inputs`` is a batch of ``img_size`` x ``img_size`` images (the size SAM pads to)."""
    size = sam.image_encoder.img_size
    if inputs.ndim != 4 or tuple(inputs.shape[-2:]) != (size, size):
        raise ValueError(f'{who}: inputs of shape {tuple(inputs.shape)}, but the SAM image encoder takes '
                         f'{size}x{size} images; resize the longer side to {size} in the pipeline '
                         f'(mmdet Resize(scale=({size}, {size}), keep_ratio=True)) and pad with '
                         f'DetDataPreprocessor(pad_size_divisor={size})')
