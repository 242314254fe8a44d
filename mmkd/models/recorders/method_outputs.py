"""Record what a module's method returns, where a forward hook cannot see it.

Some values never pass through ``forward`` (``bbox_head.loss_by_feat``'s
targets, ``decode_head.predict_by_feat``...). This recorder wraps the method
on the one module *instance* while attached and restores it on detach; the
class, and every other instance, stay untouched.
"""
from __future__ import annotations

import functools
from typing import Optional

from torch import nn

from mmkd.registry import TASK_UTILS
from .base_recorder import BaseRecorder
from .module_path import find_module


@TASK_UTILS.register_module()
class MethodOutputs(BaseRecorder):
    """Args:
        source: ``'<module path>:<method name>'``, e.g. ``'bbox_head:forward_single'``
            (``':method'`` or a bare ``'method'`` for a method of the model itself).
    """

    def __init__(self, source: str, record_idx: Optional[int] = None) -> None:
        super().__init__(source, record_idx)
        path, sep, method = source.rpartition(':')
        if not sep:
            path, method = '', source
        self.module_path, self.method_name = path, method
        self._owner: Optional[nn.Module] = None

    def attach(self, model: nn.Module, model_name: str = 'model') -> None:
        owner = find_module(model, self.module_path, model_name) if self.module_path else model
        original = getattr(owner, self.method_name, None)
        if original is None or not callable(original):
            methods = sorted(n for n in dir(type(owner)) if not n.startswith('_')
                             and callable(getattr(type(owner), n, None)))
            raise AttributeError(
                f'{type(owner).__name__} at {self.module_path or "<root>"!r} of the {model_name} '
                f'has no method {self.method_name!r}; methods: {methods}')

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            out = original(*args, **kwargs)
            self._record(out)
            return out

        setattr(owner, self.method_name, wrapper)
        self._owner = owner

    def detach(self) -> None:
        if self._owner is not None:
            # removing the instance attribute re-exposes the class method
            delattr(self._owner, self.method_name)
            self._owner = None
