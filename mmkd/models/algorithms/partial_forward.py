"""Run a frozen teacher only as far as its recorders need.

A distiller that reads a detector's FPN does not need the detector's head:
the teacher's forward can stop right after the neck. This is done without
any model-specific code. The first forward runs in full and counts how many
values each recorder receives; on later forwards, every recorded value is
followed by a check, and as soon as every recorder has all its values a
private exception stops the forward, which :meth:`TeacherPartialForward.run`
catches. Values recorded before the stop are computed exactly as in the full
forward, so the distillation losses do not change.

The first (full) forward also decides whether stopping early is worth it and
exact. It notes the order in which the teacher's modules start and its
recorders record: in ``'auto'`` mode the partial forward is used only when
every needed value is recorded before the teacher's *last* top-level module
(the one holding the last module to run, e.g. ``bbox_head``) starts, so a
whole module is skipped; a recorder on the last module (logits KD, a
classifier's ``head.fc``) keeps the full forward. It also keeps a copy of
each value as recorded and compares it with the value at the end of the
forward: a module after the stop point that wrote into a recorded tensor in
place would make the partial forward's features differ from the full
forward's, so then ``'auto'`` keeps the full forward (``True`` raises).

Assumption (validated every step): the teacher records the same number of
values in every forward. A recorder that ends a partial forward with fewer
values than in the full one raises an error naming the recorder and its
module (``True``), or, in ``'auto'`` mode, makes this step rerun the full
forward and turns the partial forward off.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import torch
from mmengine.logging import MMLogger
from torch import nn

from mmkd.models.recorders import RecorderManager
from .teacher_inputs import clone_tensors

#: the values of ``teacher_partial_forward``
PARTIAL_FORWARD_MODES = ('auto', True, False)


class _StopTeacherForward(Exception):
    """Raised from a recorder once every recorder has its data; never escapes ``run``."""


class TeacherPartialForward:
    """Args:
        manager: the recorders attached to the teacher.
        model_name: the teacher's name, for error messages and logs.
        teacher: the teacher model; its modules are watched during the first
            forward to find what a partial forward skips.
        mode: ``'auto'`` (stop early only where it skips a whole top-level
            module and is exact; otherwise run the full forward) or ``True``
            (always stop early; an inexact first step is an error).
    """

    def __init__(self, manager: RecorderManager, model_name: str, teacher: Optional[nn.Module] = None,
                 mode: Union[str, bool] = True) -> None:
        if mode not in ('auto', True):
            raise ValueError(f"teacher_partial_forward of the {model_name}: mode must be 'auto' or True, "
                             f'got {mode!r}')
        self.manager = manager
        self.model_name = model_name
        self.teacher = teacher
        self.mode = mode
        # recorder name -> number of values needed, known after the first (full) forward
        self.needed: Optional[Dict[str, int]] = None
        # False once 'auto' decided the full forward is needed
        self.enabled = True
        # top-level modules (fully or partly) skipped by the partial forward, set by the first forward
        self.skipped: List[str] = []

    def run(self, forward: Callable[[], object]) -> None:
        """Call ``forward`` (the teacher on the batch) while its recorders record.

        Must be called inside the manager's ``recording()`` context.
        ``forward`` must be callable twice (an ``'auto'`` fallback reruns it).
        """
        if not self.enabled:
            forward()
            return
        if self.needed is None:
            self._calibrate(forward)
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
        short = self._shortfall()
        if short is None:
            return
        if self.mode is True:
            raise RuntimeError(short + ' Set teacher_partial_forward=False for this model.')
        self._log('warning', short + ' Partial forward is off from now on; this step reruns the full forward.')
        self.enabled = False
        self.manager.reset()
        forward()

    # ------------------------------------------------------- first forward
    def _calibrate(self, forward: Callable[[], object]) -> None:
        """The full forward, watched: what each recorder needs, what comes after, and
        whether a recorded value is changed in place by what comes after."""
        events: List[Tuple[str, str]] = []  # ('start', module path) / ('record', recorder name)
        as_recorded: Dict[str, List[Any]] = {name: [] for name in self.manager.recorders}
        handles = []
        if self.teacher is not None:
            for path, module in self.teacher.named_modules():
                if path:
                    handles.append(module.register_forward_pre_hook(
                        functools.partial(_note_start, events, path)))

        def note_record(name: str) -> None:
            events.append(('record', name))
            as_recorded[name].append(clone_tensors(self.manager.recorders[name].data_buffer[-1]))

        for name, rec in self.manager.recorders.items():
            rec.listener = functools.partial(note_record, name)
        try:
            forward()
        finally:
            for rec in self.manager.recorders.values():
                rec.listener = None
            for handle in handles:
                handle.remove()
        self.needed = self._count()
        stop = self._stop_event(events)
        self.skipped = _top_level_after(events, stop)
        last = _last_top_level(events)
        changed = self._changed_in_place(as_recorded)
        where = ', '.join(f'{name!r} ({self.manager.recorders[name].source})' for name in self.needed)
        if self.mode == 'auto' and (last is None or _first_start(events, last) < stop):
            self.enabled = False
            self._log('info', f'teacher_partial_forward=auto: the full forward runs, because a recorded value '
                              f'comes from its last module {last!r} (recorders: {where}); nothing to skip')
        elif changed:
            message = (f'teacher_partial_forward: recorder {changed!r} of the {self.model_name} '
                       f'({self.manager.recorders[changed].source!r}) holds a value that a later module changes '
                       'in place during the full forward, so a partial forward would record other features.')
            if self.mode is True:
                raise RuntimeError(message + ' Set teacher_partial_forward=False for this model.')
            self.enabled = False
            self._log('warning', message + ' The full forward runs.')
        else:
            self._log('info', f'teacher_partial_forward={self.mode!r}: the forward stops after the recorders '
                              f'{where}; skipped: {", ".join(self.skipped) or "nothing"} (first step checked: '
                              'the recorded values equal the full forward\'s)')

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

    def _stop_event(self, events: List[Tuple[str, str]]) -> int:
        """Index in ``events`` of the record after which every recorder has what it needs."""
        seen = {name: 0 for name in self.needed}
        stop = -1
        for i, (kind, name) in enumerate(events):
            if kind == 'record':
                seen[name] += 1
                if seen[name] == self.needed[name]:
                    stop = max(stop, i)
        return stop

    def _changed_in_place(self, as_recorded: Dict[str, List[Any]]) -> Optional[str]:
        """The first recorder whose needed values differ now from when they were recorded."""
        for name, count in self.needed.items():
            buffer = self.manager.recorders[name].data_buffer
            for before, after in zip(as_recorded[name][:count], buffer[:count]):
                if not _same(before, after):
                    return name
        return None

    def _shortfall(self) -> Optional[str]:
        for name, count in self.needed.items():
            rec = self.manager.recorders[name]
            got = len(rec.data_buffer)
            if got < count:
                return (f'teacher_partial_forward: recorder {name!r} of the {self.model_name} '
                        f'({type(rec).__name__} on {rec.source!r}) recorded {got} value(s), but the full '
                        f'forward of the first step recorded {count}: the module runs a different number '
                        'of times from batch to batch (or after the others), so the forward cannot stop early.')
        return None

    def _log(self, level: str, message: str) -> None:
        getattr(MMLogger.get_current_instance(), level)(f'{self.model_name}: {message}')


def _note_start(events: List[Tuple[str, str]], path: str, module: nn.Module, args: Any) -> None:
    events.append(('start', path))


def _top_level(path: str) -> str:
    return path.split('.', 1)[0]


def _top_level_after(events: List[Tuple[str, str]], stop: int) -> List[str]:
    """Top-level modules with a module starting after event ``stop``, in order of first start."""
    names: List[str] = []
    for kind, path in events[stop + 1:]:
        if kind == 'start' and _top_level(path) not in names:
            names.append(_top_level(path))
    return names


def _last_top_level(events: List[Tuple[str, str]]) -> Optional[str]:
    """The top-level module holding the last module that started."""
    starts = [path for kind, path in events if kind == 'start']
    return _top_level(starts[-1]) if starts else None


def _first_start(events: List[Tuple[str, str]], top: str) -> int:
    return next(i for i, (kind, path) in enumerate(events) if kind == 'start' and _top_level(path) == top)


def _same(a: Any, b: Any) -> bool:
    """Tensors equal in value, through dicts, lists and tuples; other values are not compared."""
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return True
