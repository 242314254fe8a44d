"""Run a frozen teacher only as far as its recorders need.

A distiller that reads a detector's FPN does not need the detector's head:
the teacher's forward can stop right after the neck. This is done without
any model-specific code. The first forward runs in full and counts how many
values each recorder receives; on later forwards, every recorded value is
followed by a check, and as soon as every recorder has all its values a
private exception stops the forward, which :meth:`TeacherPartialForward.run`
catches. Values recorded before the stop are computed exactly as in the full
forward, so the distillation losses do not change.

Assumption (validated): the teacher records the same number of values in
every forward. A recorder that ends a partial forward with fewer values than
in the full one raises an error naming the recorder and its module; a model
whose number of calls changes from batch to batch needs the full forward.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional

from mmkd.models.recorders import RecorderManager


class _StopTeacherForward(Exception):
    """Raised from a recorder once every recorder has its data; never escapes ``run``."""


class TeacherPartialForward:
    """Args:
        manager: the recorders attached to the teacher.
        model_name: the teacher's name, for error messages.
    """

    def __init__(self, manager: RecorderManager, model_name: str) -> None:
        self.manager = manager
        self.model_name = model_name
        # recorder name -> number of values needed, known after the first (full) forward
        self.needed: Optional[Dict[str, int]] = None

    def run(self, forward: Callable[[], object]) -> None:
        """Call ``forward`` (the teacher on the batch) while its recorders record.

        Must be called inside the manager's ``recording()`` context.
        """
        if self.needed is None:
            forward()
            self.needed = self._count()
            return
        recorders = [(self.manager.recorders[name], count) for name, count in self.needed.items()]

        def stop_when_complete() -> None:
            if all(len(rec.data_buffer) >= count for rec, count in recorders):
                raise _StopTeacherForward

        for rec, _ in recorders:
            rec.listener = stop_when_complete
        try:
            forward()
        except _StopTeacherForward:
            pass
        finally:
            for rec, _ in recorders:
                rec.listener = None
        self._validate()

    def _count(self) -> Dict[str, int]:
        needed = {}
        for name, rec in self.manager.recorders.items():
            calls = len(rec.data_buffer)
            if calls == 0:
                raise RuntimeError(
                    f'teacher_partial_forward: recorder {name!r} of the {self.model_name} '
                    f'({type(rec).__name__} on {rec.source!r}) recorded nothing in the full forward')
            # a recorder that keeps one call (record_idx) needs only the calls up to it
            needed[name] = calls if rec.record_idx is None else min(calls, rec.record_idx + 1)
        return needed

    def _validate(self) -> None:
        for name, count in self.needed.items():
            rec = self.manager.recorders[name]
            got = len(rec.data_buffer)
            if got < count:
                raise RuntimeError(
                    f'teacher_partial_forward: recorder {name!r} of the {self.model_name} '
                    f'({type(rec).__name__} on {rec.source!r}) recorded {got} value(s), but the full '
                    f'forward of the first step recorded {count}: the module runs a different number '
                    'of times from batch to batch (or after the others), so the forward cannot stop '
                    'early. Set teacher_partial_forward=False for this model.')
