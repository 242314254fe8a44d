"""bf16 autocast training on CPU.

mmengine's ``AmpOptimWrapper`` refuses to run without CUDA. On CPU, bf16 has
fp32's exponent range, so no loss scaling is needed: the wrapper only opens a
``torch.autocast('cpu', dtype=torch.bfloat16)`` context around the forward.
"""
from __future__ import annotations

from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mmkd.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    def __init__(self, *args, dtype: str = 'bfloat16', **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cast_dtype = getattr(torch, dtype)
        if self.cast_dtype not in (torch.bfloat16, torch.float16):
            raise ValueError(f'CPUAutocastOptimWrapper dtype must be bfloat16 or float16, got {dtype}')

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), torch.autocast('cpu', dtype=self.cast_dtype):
            yield
