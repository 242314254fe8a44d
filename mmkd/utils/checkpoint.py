"""Checkpoint reading and writing: weights-only loads, atomic writes.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7
calls ``torch.load`` without arguments, so its own checkpoints (which pickle a
few mmengine/numpy objects in ``message_hub``) fail to load for ``--resume``.
Instead of turning safety off, :func:`allow_mmengine_globals` allow-lists
exactly the classes mmengine writes.
"""
from __future__ import annotations

import os
import pickle
import re
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO, Callable, Dict, List, Mapping, Optional, Tuple, Union

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


class CheckpointError(RuntimeError):
    """A file given as a checkpoint cannot be read as one; the message names the file and why."""


#: how the files ``torch.save`` writes begin: a zip archive (torch >= 1.6) or a pickle (older)
_ZIP_MAGIC, _PICKLE_MAGIC = b'PK\x03\x04', b'\x80'


def read_checkpoint(path: str, what: str = 'checkpoint', weights_only: bool = True, mmap: bool = False) -> object:
    """``torch.load`` ``path`` on the CPU, with an error that names the file and what is wrong.

    torch's own errors for a user's wrong file are about its internals (a text
    file ends in ``KeyError: 101`` or in advice to turn ``weights_only`` off, a
    truncated one in a zip-archive message); this tells apart a missing file, an
    empty or truncated one, a file that is no checkpoint at all and a checkpoint
    that pickles objects a weights-only load refuses. ``mmap=True`` maps the
    tensors of a zip checkpoint instead of reading them: a cheap full check of
    a large file before mmengine loads it.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{what} file not found: {path!r}')
    size = os.path.getsize(path)
    if size == 0:
        raise CheckpointError(f'{what} {path!r} is empty (0 bytes): not a checkpoint '
                              '(an interrupted copy or download?)')
    with open(path, 'rb') as f:
        head = f.read(64)
    if head.startswith(_ZIP_MAGIC):
        if not zipfile.is_zipfile(path):
            raise CheckpointError(f'{what} {path!r} is truncated or damaged: a torch checkpoint whose end is '
                                  f'missing ({size} bytes; an interrupted copy or save?)')
    elif not head.startswith(_PICKLE_MAGIC):
        text = head.decode('utf-8', errors='replace').splitlines()[0][:40] if head.isascii() else None
        kind = f'a text file starting with {text!r}' if text is not None else f'it starts with bytes {head[:8]!r}'
        raise CheckpointError(f'{what} {path!r} is not a checkpoint: {kind}, not a file written by torch.save')
    try:
        return torch.load(path, map_location='cpu', weights_only=weights_only,
                          mmap=mmap and head.startswith(_ZIP_MAGIC))
    except pickle.UnpicklingError as err:
        if not weights_only:
            raise CheckpointError(f'{what} {path!r} is damaged: {_first_line(err)}') from None
        refused = re.search(r'GLOBAL (\S+)', str(err))
        raise CheckpointError(
            f'{what} {path!r} pickles {refused.group(1) if refused else "objects"}, which a safe '
            '(weights_only=True) load refuses; if you trust the file, load it with weights_only=False '
            '(ckpt_weights_only=False in a model spec)') from None
    except Exception as err:  # noqa: BLE001 - torch's many internal errors, re-raised with the file named
        raise CheckpointError(f'{what} {path!r} is damaged or truncated ({size} bytes): {_first_line(err)}'
                              ) from None


def config_checkpoints(cfg: Mapping[str, Any], where: str = '') -> List[Tuple[str, str]]:
    """``(config key, path)`` of every local file a config loads weights from before training:
    ``load_from``, the ``ckpt`` of model specs and ``checkpoint`` of ``init_cfg=dict(type='Pretrained')``
    (URLs, ``package::`` names and specs with ``ckpt_weights_only=False`` are left to their loaders)."""
    found: List[Tuple[str, str]] = []
    if isinstance(cfg, Mapping):
        for key, value in cfg.items():
            at = f'{where}.{key}' if where else str(key)
            is_file_key = key in ('ckpt', 'load_from') or (key == 'checkpoint' and cfg.get('type') == 'Pretrained')
            trusted = key == 'ckpt' and cfg.get('ckpt_weights_only', True) is False  # loaded unpickling in full
            if is_file_key and isinstance(value, str) and not trusted and '://' not in value and '::' not in value:
                found.append((at, value))
            else:
                found += config_checkpoints(value, at)
    elif isinstance(cfg, (list, tuple)):
        for i, item in enumerate(cfg):
            found += config_checkpoints(item, f'{where}[{i}]')
    return found


def _first_line(err: Exception) -> str:
    return f'{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ""}'[:300]


def load_state_dict_file(path: str, weights_only: bool = True, what: str = 'checkpoint',
                         mmap: bool = False) -> Dict[str, torch.Tensor]:
    """Read a state dict from ``path`` (a full mmengine checkpoint or a bare state dict).

    ``weights_only=False`` is an explicit opt-out for trusted legacy files.
    """
    return state_dict_of(read_checkpoint(path, what, weights_only, mmap), path, what)


def state_dict_of(obj: object, path: str, what: str = 'checkpoint') -> Dict[str, torch.Tensor]:
    """The state dict inside a loaded checkpoint (``state_dict``, ``model`` or the dict itself)."""
    if isinstance(obj, dict) and 'state_dict' in obj:
        obj = obj['state_dict']
    elif isinstance(obj, dict) and 'model' in obj and isinstance(obj['model'], dict):
        obj = obj['model']
    if not isinstance(obj, dict) or not any(isinstance(v, torch.Tensor) for v in obj.values()):
        kind = type(obj).__name__ if not isinstance(obj, dict) else f'dict without tensors (keys {list(obj)[:5]})'
        raise CheckpointError(f'{what} {path!r} holds a {kind}, not a state dict (weights by name)')
    return obj


def state_dict_mismatch(model: nn.Module, state: Mapping[str, torch.Tensor]) -> Optional[str]:
    """What keeps ``state`` from loading strictly into ``model`` (``None`` when it loads), summarised:
    a few missing and unexpected keys with their counts, and shape disagreements."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [f'{k}: {tuple(state[k].shape)} in the file, {tuple(v.shape)} in the model'
              for k, v in expected.items() if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if not (missing or unexpected or shapes):
        return None
    parts = []
    for label, keys in (('missing keys', missing), ('unexpected keys', unexpected), ('shape mismatches', shapes)):
        if keys:
            parts.append(f'{len(keys)} {label} (e.g. {", ".join(keys[:3])})')
    return f'{len(expected)} model keys, {len(state)} in the file; ' + '; '.join(parts)


def load_into(model: nn.Module, path: str, weights_only: bool = True, strict: bool = True,
              prefix: Optional[str] = None, what: str = 'checkpoint') -> None:
    """Load ``path`` into ``model``; ``prefix`` selects and strips keys (e.g. 'student.').

    ``strict``: a checkpoint that does not match ``model`` exactly (another
    architecture, another width) is refused with the keys that differ.
    """
    load_state_into(model, load_state_dict_file(path, weights_only, what), path, strict, prefix, what)


def load_state_into(model: nn.Module, state: Mapping[str, torch.Tensor], path: str, strict: bool = True,
                    prefix: Optional[str] = None, what: str = 'checkpoint') -> None:
    """:func:`load_into` for a state dict already read from ``path``."""
    if prefix:
        state = OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))
        if not state:
            raise KeyError(f'{what} {path!r} has no keys starting with {prefix!r}')
    mismatch = state_dict_mismatch(model, state)
    if strict and mismatch:
        raise KeyError(f'{what} {path!r} does not match {type(model).__name__} (a checkpoint of another '
                       f'model?): {mismatch}')
    if mismatch:  # non-strict: load what fits, never a tensor of the wrong shape
        expected = model.state_dict()
        state = {k: v for k, v in state.items() if k not in expected or v.shape == expected[k].shape}
    model.load_state_dict(state, strict=False)


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
