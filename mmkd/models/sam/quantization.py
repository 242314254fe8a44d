"""Post-training int8 quantization of a SAM image encoder with ``torch.ao.quantization``.

TinySAM quantizes its student to W8A8 (Q-TinySAM); the image encoder is
where the time goes, so that is the part quantized here. Two modes:

* ``'static'`` (W8A8 with a calibration set): every ``nn.Linear`` and
  ``nn.Conv2d`` of the encoder is wrapped in torch's ``QuantWrapper``
  (quantize the input, int8 layer, dequantize the output), observers record
  activation ranges on the calibration images, and ``convert`` swaps in the
  int8 kernels with per-channel weight scales. LayerNorm, softmax and GELU
  stay float between the int8 layers. torch's graph-mode (FX) quantization
  would fuse more, but timm's ``features_only`` wrappers have data-dependent
  control flow that FX cannot trace, so eager mode with per-layer wrappers is
  what works for any timm or SAM encoder.
* ``'dynamic'``: int8 weights of the ``nn.Linear`` layers, activations
  quantized per batch at run time; no calibration.

TinySAM's hessian-guided scale search and split-group softmax/GELU
quantization (paper section 3.3) are not reproduced: torch's observers
(histogram for activations, per-channel min/max for weights) set the scales.

int8 kernels run on CPU only, so the quantized model is a CPU copy; the
original model is left untouched. torch marks ``torch.ao.quantization`` as
deprecated in favour of the separate ``torchao`` package, which is not part
of this environment; the eager-mode API used here still works in torch 2.14.
"""
from __future__ import annotations

import copy
from typing import Iterable, Optional

import torch
from segment_anything.modeling import Sam
from torch import Tensor, nn
from torch.ao.quantization import QuantWrapper, convert, get_default_qconfig, prepare, quantize_dynamic

QUANT_MODES = ('static', 'dynamic')


def _wrap_layers(module: nn.Module, types: tuple) -> int:
    """Replace every child layer of ``types`` (recursively) by ``QuantWrapper(layer)``; return the count."""
    count = 0
    for name, child in list(module.named_children()):
        if isinstance(child, types):
            setattr(module, name, QuantWrapper(child))
            count += 1
        else:
            count += _wrap_layers(child, types)
    return count


def quantize_sam_image_encoder(sam: Sam, mode: str = 'static', calibration: Optional[Iterable[Tensor]] = None,
                               backend: Optional[str] = None) -> Sam:
    """A CPU copy of ``sam`` whose image encoder is int8.

    Args:
        sam: a ``segment_anything`` ``Sam`` (any image encoder).
        mode: ``'static'`` (int8 weights and activations, needs
            ``calibration``) or ``'dynamic'`` (int8 weights, activations
            quantized at run time).
        calibration: batches of preprocessed images ``(B, 3, S, S)`` (what the
            data preprocessor gives the encoder), e.g. a few training images.
        backend: ``torch.backends.quantized`` engine (``'x86'``, ``'fbgemm'``,
            ``'qnnpack'`` on ARM); default the current engine.

    The prompt encoder and mask decoder stay float.
    """
    if mode not in QUANT_MODES:
        raise ValueError(f'quantize_sam_image_encoder: mode must be one of {QUANT_MODES}, got {mode!r}')
    backend = backend or torch.backends.quantized.engine
    if backend not in torch.backends.quantized.supported_engines:
        raise ValueError(f'quantize_sam_image_encoder: quantized backend {backend!r} is not available here; '
                         f'supported: {torch.backends.quantized.supported_engines}')
    torch.backends.quantized.engine = backend
    model = copy.deepcopy(sam).cpu().eval()
    if mode == 'dynamic':
        model.image_encoder = quantize_dynamic(model.image_encoder, {nn.Linear}, dtype=torch.qint8)
        return model

    batches = list(calibration or [])
    if not batches:
        raise ValueError('quantize_sam_image_encoder: static quantization needs calibration images '
                         "(calibration=[batch, ...]); use mode='dynamic' to quantize without them")
    size = model.image_encoder.img_size
    for i, batch in enumerate(batches):
        if batch.ndim != 4 or tuple(batch.shape[1:]) != (3, size, size):
            raise ValueError(f'quantize_sam_image_encoder: calibration batch {i} has shape {tuple(batch.shape)}, '
                             f'expected (B, 3, {size}, {size}) preprocessed images')
    encoder = model.image_encoder
    if _wrap_layers(encoder, (nn.Linear, nn.Conv2d)) == 0:
        raise ValueError(f'quantize_sam_image_encoder: {type(encoder).__name__} has no Linear or Conv2d layer')
    qconfig = get_default_qconfig(backend)
    for m in encoder.modules():
        if isinstance(m, QuantWrapper):
            m.qconfig = qconfig
    prepare(encoder, inplace=True)
    with torch.no_grad():
        for batch in batches:
            encoder(batch.cpu().float())
    convert(encoder, inplace=True)
    return model
