"""Record the output (or input) of a submodule with a forward hook."""
from __future__ import annotations

from typing import Optional

from torch import nn

from mmkd.registry import TASK_UTILS
from .base_recorder import BaseRecorder
from .module_path import find_module


@TASK_UTILS.register_module()
class ModuleOutputs(BaseRecorder):
    """Records what ``source`` returns each time it runs (tensor, tuple or dict)."""

    def attach(self, model: nn.Module, model_name: str = 'model') -> None:
        module = find_module(model, self.source, model_name)
        self._handle = module.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output) -> None:
        self._record(output)


@TASK_UTILS.register_module()
class ModuleInputs(BaseRecorder):
    """Records the positional inputs of ``source`` each time it runs.

    Args:
        input_idx: which positional input to keep (default the first); ``None``
            keeps the whole tuple.
    """

    def __init__(self, source: str, record_idx: Optional[int] = None,
                 input_idx: Optional[int] = 0) -> None:
        super().__init__(source, record_idx)
        self.input_idx = input_idx

    def attach(self, model: nn.Module, model_name: str = 'model') -> None:
        module = find_module(model, self.source, model_name)
        self._handle = module.register_forward_pre_hook(self._hook)

    def _hook(self, module, inputs) -> None:
        self._record(inputs if self.input_idx is None else inputs[self.input_idx])
