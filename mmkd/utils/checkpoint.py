"""Checkpoint reading and writing: weights-only loads, atomic writes.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7
calls ``torch.load`` without arguments, so its own checkpoints (which pickle a
few mmengine/numpy objects in ``message_hub``) fail to load for ``--resume``.
Instead of turning safety off, :func:`allow_mmengine_globals` allow-lists
exactly the classes mmengine writes.
"""
from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from typing import BinaryIO, Callable, Dict, Optional, Union

import numpy as np
import torch
from mmengine.fileio import LocalBackend, register_backend
from torch import nn


def _reduce_history_buffer(buffer):
    """Pickle a HistoryBuffer without its statistics functions.

    mmengine pickles ``HistoryBuffer._statistics_methods`` (functions, stored
    through ``builtins.getattr``), which a weights-only load must refuse:
    allowing ``getattr`` would open the unpickler to arbitrary attribute
    access. The defaults are restored by ``HistoryBuffer.__setstate__``.
    """
    state = {k: v for k, v in buffer.__dict__.items()
             if k not in ('statistics_methods', '_statistics_methods')}
    return type(buffer), (), state


def allow_mmengine_globals() -> None:
    """Allow-list the non-tensor objects mmengine stores in its checkpoints.

    Also makes checkpoints written from now on weights-only loadable (see
    :func:`_reduce_history_buffer`). Checkpoints written by mmengine without
    mmkd still pickle ``getattr`` and need ``weights_only=False`` (trusted files only).
    """
    import copyreg

    from mmengine.config.config import ConfigDict
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.logging.message_hub import MessageHub
    from numpy._core.multiarray import _reconstruct, scalar

    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    safe = [HistoryBuffer, MessageHub, ConfigDict, OrderedDict, np.ndarray, np.dtype,
            _reconstruct, scalar]
    safe += [type(np.dtype(t)) for t in ('float64', 'float32', 'float16', 'int64', 'int32', 'uint8', 'bool')]
    torch.serialization.add_safe_globals(safe)


def load_state_dict_file(path: str, weights_only: bool = True,
                         what: str = 'checkpoint') -> Dict[str, torch.Tensor]:
    """Read a state dict from ``path`` (a full mmengine checkpoint or a bare state dict).

    ``weights_only=False`` is an explicit opt-out for trusted legacy files.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{what} file not found: {path!r}')
    try:
        obj = torch.load(path, map_location='cpu', weights_only=weights_only)
    except Exception as err:  # noqa: BLE001 - re-raised with the file named
        raise RuntimeError(f'could not load {what} {path!r} with weights_only={weights_only}: {err}. '
                           'If the file is trusted and pickles other objects, pass weights_only=False.'
                           ) from err
    if isinstance(obj, dict) and 'state_dict' in obj:
        obj = obj['state_dict']
    elif isinstance(obj, dict) and 'model' in obj and isinstance(obj['model'], dict):
        obj = obj['model']
    if not isinstance(obj, dict):
        raise TypeError(f'{what} {path!r} holds a {type(obj).__name__}, not a state dict')
    return obj


def load_into(model: nn.Module, path: str, weights_only: bool = True, strict: bool = True,
              prefix: Optional[str] = None, what: str = 'checkpoint') -> None:
    """Load ``path`` into ``model``; ``prefix`` selects and strips keys (e.g. 'student.')."""
    state = load_state_dict_file(path, weights_only, what)
    if prefix:
        state = OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))
        if not state:
            raise KeyError(f'{what} {path!r} has no keys starting with {prefix!r}')
    result = model.load_state_dict(state, strict=False)
    if strict and (result.missing_keys or result.unexpected_keys):
        raise KeyError(f'{what} {path!r} does not match {type(model).__name__}: '
                       f'missing keys {result.missing_keys[:10]}, unexpected keys {result.unexpected_keys[:10]}'
                       f'{" (and more)" if max(len(result.missing_keys), len(result.unexpected_keys)) > 10 else ""}')


def _default_permissions(path: str) -> None:
    """mkstemp creates 0600 files; give the final file the usual umask-based mode."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def _atomic_write(path: Union[str, os.PathLike], write: Callable[[BinaryIO], None]) -> None:
    """Write through ``write(file)`` to a temporary file in the same folder, then
    rename it over ``path``: a crash mid-write leaves the previous file intact."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp_')
    _default_permissions(tmp)
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def atomic_save(obj: object, path: Union[str, os.PathLike]) -> None:
    """``torch.save`` ``obj`` to ``path`` atomically."""
    _atomic_write(path, lambda f: torch.save(obj, f))


def atomic_write_bytes(data: bytes, path: Union[str, os.PathLike]) -> None:
    """Write ``data`` to ``path`` atomically (e.g. an index file)."""
    _atomic_write(path, lambda f: f.write(data))


@register_backend('mmkd_atomic_local')
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend, but ``put`` writes via temp file + rename.

    Selected with ``default_hooks.checkpoint.backend_args=dict(backend='mmkd_atomic_local')``
    (the default in ``configs/_base_/default_runtime.py``), so the Runner's own
    checkpoints and ``last_checkpoint`` are never left half-written.
    """

    def put(self, obj: bytes, filepath) -> None:
        _atomic_write(filepath, lambda f: f.write(bytes(obj)))

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        self.put(obj.encode(encoding), filepath)
