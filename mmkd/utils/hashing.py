"""Stable hashes of configs, tensors and files: what caches and fingerprints are made of.

Low-level on purpose: the teacher-feature cache, the OAKE cache and the RPN
proposal source all fingerprint what produced their data the same way, and
none of them should have to import another for it.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

import torch


def to_plain(obj: Any) -> Any:
    """Config values as plain JSON types (ConfigDict -> dict, tuple -> list)."""
    if isinstance(obj, Mapping):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return repr(obj)


def canonical_json(obj: Any) -> str:
    """One spelling per value (sorted keys, no spaces), so equal configs hash equal."""
    return json.dumps(to_plain(obj), sort_keys=True, separators=(',', ':'))


def json_sha256(obj: Any) -> str:
    """sha256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def hash_tensors(digest: 'hashlib._Hash', tensors: Mapping[str, torch.Tensor]) -> None:
    """Feed named tensors (e.g. a ``state_dict``) into ``digest``: names, dtypes,
    shapes and raw bytes, in name order, so the hash names the weights themselves,
    whatever file they came from."""
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        digest.update(f'{name}:{t.dtype}:{tuple(t.shape)};'.encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())


def tensors_sha256(tensors: Mapping[str, torch.Tensor]) -> str:
    digest = hashlib.sha256()
    hash_tensors(digest, tensors)
    return digest.hexdigest()


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()
