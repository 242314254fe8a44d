"""A trained student as an ONNX graph, checked against PyTorch with onnxruntime.

What is exported is the network on a normalised image batch ``(N, 3, H, W)``
(the data preprocessor's mean/std and padding stay outside, as in mmdeploy):
mmdet detectors and mmseg segmentors in ``mode='tensor'`` (raw head outputs,
flattened to a list), timm classifiers (logits) and, for SAM students, the
image encoder (the part distillation replaces; prompt encoder and mask
decoder are SAM's own). The legacy TorchScript exporter is used
(``dynamo=False``): it needs ``onnx`` only, not ``onnxscript``. Used by
``tools/deploy/export_onnx.py`` and ``benchmarks/onnx_latency.py``.
"""
from __future__ import annotations

import math
import os
import os.path as osp
import tempfile
import warnings
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from torch import nn

from mmkd.models.builder import build_model
from mmkd.utils.checkpoint import load_state_dict_file

STUDENT_PREFIX = 'student.'


# ------------------------------------------------------------------------ the model
def build_network(cfg: Config, role: str = 'student') -> nn.Module:
    """``cfg.model.<role>`` of a distillation config, or ``cfg.model`` of a task config, randomly initialised."""
    spec = cfg.model[role] if role in cfg.model else cfg.model
    spec = {k: v for k, v in dict(spec).items() if k not in ('ckpt', 'ckpt_weights_only', 'ckpt_prefix')}
    model = build_model(spec, role)
    if hasattr(model, 'init_weights'):
        model.init_weights()
    return model.eval()


def load_student(cfg: Config, checkpoint: str) -> nn.Module:
    """The student network of ``cfg`` with the checkpoint's weights, strictly."""
    model = build_network(cfg, 'student')
    state = load_state_dict_file(checkpoint, what='student checkpoint')
    if any(k.startswith(STUDENT_PREFIX) for k in state):  # a full distillation checkpoint
        state = {k[len(STUDENT_PREFIX):]: v for k, v in state.items() if k.startswith(STUDENT_PREFIX)}
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise KeyError(f'checkpoint {checkpoint!r} does not match the student of {cfg.filename} '
                       f'({type(model).__name__}): missing {result.missing_keys[:5]}, '
                       f'unexpected {result.unexpected_keys[:5]}')
    return model.eval()


def flatten(value) -> List[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in flatten(v)]
    if isinstance(value, dict):
        return [t for k in sorted(value) for t in flatten(value[k])]
    raise TypeError(f'export_onnx: the model returned a {type(value).__name__}, not tensors')


class TensorMode(nn.Module):
    """``model(inputs, mode='tensor')`` as a plain ``forward(x) -> tuple of tensors``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return tuple(flatten(self.model(x, None, mode='tensor')))


class Outputs(nn.Module):
    """``module(x)`` flattened to a tuple of tensors (a SAM image encoder)."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return tuple(flatten(self.module(x)))


def sam_of(model: nn.Module) -> Optional[nn.Module]:
    """The segment_anything Sam inside a SAM task model (or the model itself), else None."""
    for candidate in (getattr(model, 'sam', None), model):
        if candidate is not None and hasattr(candidate, 'image_encoder') and hasattr(candidate, 'mask_decoder'):
            return candidate
    return None


def exportable(model: nn.Module) -> Tuple[nn.Module, str]:
    sam = sam_of(model)
    if sam is not None:
        return Outputs(sam.image_encoder).eval(), f'{type(model).__name__} image encoder'
    return TensorMode(model).eval(), f'{type(model).__name__} (tensor mode)'


def input_shape(cfg: Config, model: nn.Module, shape: Optional[Sequence[int]]) -> Tuple[int, int]:
    if shape:
        return int(shape[0]), int(shape[1])
    sam = sam_of(model)
    if sam is not None:
        size = sam.image_encoder.img_size
        return (size, size) if isinstance(size, int) else tuple(size)
    for key in ('test_dataloader', 'val_dataloader'):
        pipeline = cfg.get(key, {}).get('dataset', {}).get('pipeline', [])
        for transform in pipeline:
            scale = transform.get('scale')
            if scale is not None:
                w, h = (scale, scale) if isinstance(scale, int) else scale
                divisor = int(getattr(getattr(model, 'data_preprocessor', None), 'pad_size_divisor', 1) or 1)
                return math.ceil(h / divisor) * divisor, math.ceil(w / divisor) * divisor
    raise ValueError(f'export_onnx: no Resize scale in the test pipeline of {cfg.filename}: give --shape H W')


# --------------------------------------------------------------------- export, check
def export(module: nn.Module, batch: torch.Tensor, out: str, opset: int) -> List[str]:
    """Write ``out`` atomically (temporary file + rename); return the output names."""
    with torch.no_grad():
        count = len(module(batch))
    names = [f'output_{i}' for i in range(count)]
    folder = osp.dirname(osp.abspath(out))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp_', suffix='.onnx')
    os.close(fd)
    try:
        with warnings.catch_warnings():  # the legacy exporter announces its deprecation
            warnings.simplefilter('ignore', DeprecationWarning)
            torch.onnx.export(module, (batch,), tmp, dynamo=False, opset_version=opset, input_names=['input'],
                              output_names=names, dynamic_axes={n: {0: 'batch'} for n in ['input', *names]})
        import onnx
        onnx.checker.check_model(onnx.load(tmp))
        os.replace(tmp, out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return names


def ort_session(onnx_path: str, threads: int = 0):
    """A CPU onnxruntime session (``threads`` intra-op threads; 0: onnxruntime's default)."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_path, options, providers=['CPUExecutionProvider'])


def max_abs_difference(module: nn.Module, onnx_path: str, batch: torch.Tensor) -> float:
    session = ort_session(onnx_path)
    with torch.no_grad():
        expected = module(batch)
    got = session.run(None, {'input': batch.numpy()})
    if len(got) != len(expected):
        raise RuntimeError(f'export_onnx: onnxruntime gave {len(got)} outputs, PyTorch {len(expected)}')
    worst = 0.0
    for i, (e, g) in enumerate(zip(expected, got)):
        if tuple(e.shape) != tuple(g.shape):
            raise RuntimeError(f'export_onnx: output {i} has shape {tuple(g.shape)} in onnxruntime, '
                               f'{tuple(e.shape)} in PyTorch')
        worst = max(worst, float((e - torch.from_numpy(g)).abs().max()))
    return worst
