"""The precision a frozen teacher's forward runs in, independent of the student's.

A frozen teacher only does inference, so it can run in bf16 (or fp16 on a
GPU) while the student trains in fp32, or in its own autocast while the
student uses mmengine's AMP wrapper. The teacher's parameters keep their
dtype (fp32 in memory and in checkpoints): the forward runs under
``torch.autocast``, which casts per operation. What the teacher's recorders
captured is cast back to the dtype of the teacher's parameters afterwards,
so the distillation losses receive what an fp32 teacher would hand them
(losses with a temperature or a KL divergence compute in fp32 anyway).

bf16 is only faster on a CPU with native bf16 dot products (``avx512_bf16``
or AMX); elsewhere it is emulated and slower, so ``'bf16'`` keeps fp32 there
with a warning unless ``force_precision=True``. fp16 autocast is for GPUs.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Any, ContextManager, Optional

import torch
from mmengine.logging import MMLogger

DTYPES = {'fp32': None, 'bf16': torch.bfloat16, 'fp16': torch.float16}


@functools.lru_cache(maxsize=None)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 dot products natively (AVX-512 BF16 or AMX)."""
    for probe in ('_is_avx512_bf16_supported', '_is_amx_tile_supported'):
        check = getattr(torch.cpu, probe, None)
        try:
            if check is not None and check():
                return True
        except RuntimeError:
            pass
    try:
        with open('/proc/cpuinfo') as cpuinfo:
            flags = cpuinfo.read()
    except OSError:
        return False
    return 'avx512_bf16' in flags or 'amx_bf16' in flags


class TeacherPrecision:
    """Args:
        precision: ``None`` (the default: the student's autocast, if any, as
            before this option existed), ``'fp32'`` (autocast off, even under
            the student's AMP), ``'bf16'`` or ``'fp16'`` (GPU only).
        model_name: the teacher's name, for errors and logs.
        force: run bf16 on a CPU without native bf16 (emulated: slower, same numerics).
    """

    def __init__(self, precision: Optional[str] = None, model_name: str = 'teacher', force: bool = False) -> None:
        if precision is not None and precision not in DTYPES:
            raise ValueError(f'precision of the {model_name} must be None (as the student) or one of '
                             f'{sorted(DTYPES)}, got {precision!r}')
        self.precision = precision
        self.model_name = model_name
        self.force = force
        self._warned = False

    @property
    def dtype(self) -> Optional[torch.dtype]:
        """The autocast dtype; ``None`` for fp32 and for 'as the student'."""
        return DTYPES.get(self.precision)

    @property
    def casts(self) -> bool:
        """Whether recorded features come out in another dtype than the parameters' (bf16/fp16)."""
        return self.dtype is not None

    def autocast(self, device_type: str) -> ContextManager:
        """The context the teacher's forward runs in on ``device_type`` (``'cpu'``, ``'cuda'``...)."""
        if self.precision is None:  # as the student: whatever autocast the optimizer wrapper set
            return contextlib.nullcontext()
        if self.dtype is None:  # fp32 even inside the student's autocast
            return torch.autocast(device_type, enabled=False)
        if device_type == 'cpu':
            if self.dtype is torch.float16:
                raise ValueError(f"precision='fp16' of the {self.model_name}: fp16 autocast runs on GPUs only; "
                                 "use 'bf16' on a CPU")
            if not self.force and not cpu_has_native_bf16():
                if not self._warned:
                    MMLogger.get_current_instance().warning(
                        f"{self.model_name}: precision='bf16' asked for, but this CPU has no native bf16 "
                        '(no avx512_bf16 or AMX): keeping fp32, which is faster here. Set '
                        'force_precision=True in the teacher spec to run bf16 anyway.')
                    self._warned = True
                return contextlib.nullcontext()
        return torch.autocast(device_type, dtype=self.dtype)

    def describe(self) -> str:
        return (self.precision or 'as the student') + (' (forced)' if self.force else '')


def cast_floating(value: Any, dtype: torch.dtype) -> Any:
    """``value`` with every floating tensor of another dtype cast to ``dtype``,
    through dicts, lists and tuples (a recorded FPN is a tuple of levels)."""
    if isinstance(value, torch.Tensor):
        return value.to(dtype) if value.is_floating_point() and value.dtype != dtype else value
    if isinstance(value, dict):
        return {k: cast_floating(v, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(cast_floating(v, dtype) for v in value)
    return value
