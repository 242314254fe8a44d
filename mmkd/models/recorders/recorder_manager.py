"""A named group of recorders attached to one model."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Dict, Iterator

from torch import nn

from mmkd.registry import TASK_UTILS, scoped
from .base_recorder import BaseRecorder


class RecorderManager:
    """Builds recorders from config and attaches them to ``model``.

    Args:
        model: the model whose modules are recorded.
        cfgs: ``{name: dict(type='ModuleOutputs', source='neck')}``.
        model_name: used in error messages ('student', 'teacher', ...).
    """

    def __init__(self, model: nn.Module, cfgs: Dict[str, dict], model_name: str) -> None:
        self.model_name = model_name
        self.recorders: Dict[str, BaseRecorder] = {}
        for name, cfg in (cfgs or {}).items():
            recorder = TASK_UTILS.build(scoped({'type': 'ModuleOutputs', **cfg}))
            try:
                recorder.attach(model, model_name)
            except (KeyError, AttributeError) as err:
                raise type(err)(f'recorder {name!r} of the {model_name}: {err.args[0]}') from None
            self.recorders[name] = recorder

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Buffers are cleared on entry, so each step sees only its own values."""
        for recorder in self.recorders.values():
            recorder.start()
        try:
            yield
        finally:
            for recorder in self.recorders.values():
                recorder.stop()

    def get(self, name: str):
        return self.recorders[name].get_record_data()

    def set(self, name: str, value) -> None:
        """Inject ``value`` as recorder ``name``'s data for this step (teacher cache)."""
        if name not in self.recorders:
            raise KeyError(f'the {self.model_name} has no recorder {name!r}; '
                           f'its recorders: {sorted(self.recorders)}')
        self.recorders[name].set_record_data(value)

    def reset(self) -> None:
        for recorder in self.recorders.values():
            recorder.reset()

    def detach(self) -> None:
        for recorder in self.recorders.values():
            recorder.detach()
