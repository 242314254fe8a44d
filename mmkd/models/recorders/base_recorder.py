"""Recorders capture values from a model while it runs, without editing it.

A recorder is bound to one model and one source (a dotted module path, or a
module path plus a method name). Between :meth:`start` and :meth:`stop` it
keeps every value the source produced, in call order; :meth:`reset` clears the
buffer so each training step sees only its own values.
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Callable, List, Optional

from torch import nn


class BaseRecorder(metaclass=ABCMeta):
    """Common buffer logic; subclasses decide how to attach to the model.

    Args:
        source: dotted path of the module in the model (``'neck.fpn_convs.0'``).
        record_idx: when the source runs several times per forward (a shared
            head applied to every FPN level), keep only this call. ``None``
            returns the single value for one call and a tuple for several.
    """

    def __init__(self, source: str, record_idx: Optional[int] = None) -> None:
        self.source = source
        self.record_idx = record_idx
        self.data_buffer: List[Any] = []
        self.recording = False
        self._handle = None
        # a value handed in by set_record_data (a cached teacher), returned as is
        self._injected = False
        # called after each recorded value (used by the teacher partial forward)
        self.listener: Optional[Callable[[], None]] = None

    @abstractmethod
    def attach(self, model: nn.Module) -> None:
        """Find the source in ``model`` (raise a clear error if absent) and hook it."""

    def detach(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def start(self) -> None:
        self.reset()
        self.recording = True

    def stop(self) -> None:
        self.recording = False

    def reset(self) -> None:
        self.data_buffer = []
        self._injected = False

    def _record(self, value: Any) -> None:
        if self.recording:
            self.data_buffer.append(value)
            if self.listener is not None:
                self.listener()

    def set_record_data(self, value: Any) -> None:
        """Hand in the value this recorder would have produced (what
        :meth:`get_record_data` returned when the model ran), e.g. read from a
        teacher-feature cache, so losses see it as if the model had run."""
        self.data_buffer = [value]
        self._injected = True

    def get_record_data(self) -> Any:
        if not self.data_buffer:
            raise RuntimeError(
                f'{type(self).__name__} on {self.source!r} recorded nothing in this forward: '
                'the module did not run (is it used in this forward mode?)')
        if self._injected:
            return self.data_buffer[0]
        if self.record_idx is not None:
            if self.record_idx >= len(self.data_buffer):
                raise IndexError(
                    f'{type(self).__name__} on {self.source!r}: record_idx={self.record_idx} '
                    f'but the source ran {len(self.data_buffer)} time(s)')
            return self.data_buffer[self.record_idx]
        if len(self.data_buffer) == 1:
            return self.data_buffer[0]
        return tuple(self.data_buffer)
