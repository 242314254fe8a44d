"""Flatten a recorded value into tensors and back.

Recorders return a tensor, a tuple of tensors (FPN levels, or one per call of
a module that runs several times) or nested lists/tuples/dicts of them. The
cache stores one array per tensor ("leaf") and the nesting as a small JSON
spec: ``'T'`` for a tensor, ``{'tuple': [...]}``, ``{'list': [...]}``,
``{'dict': [[key, spec], ...]}``.
"""
from __future__ import annotations

from typing import Any, List, Tuple

import torch


def flatten(value: Any, where: str) -> Tuple[Any, List[torch.Tensor]]:
    """Return ``(spec, leaves)``; ``where`` names the recorder in errors."""
    leaves: List[torch.Tensor] = []

    def walk(v: Any) -> Any:
        if isinstance(v, torch.Tensor):
            leaves.append(v)
            return 'T'
        if isinstance(v, (tuple, list)):
            return {type(v).__name__: [walk(x) for x in v]}
        if isinstance(v, dict):
            return {'dict': [[str(k), walk(x)] for k, x in v.items()]}
        raise TypeError(f'teacher cache: {where} recorded a {type(v).__name__}; only tensors '
                        'and tuples/lists/dicts of tensors can be cached')

    return walk(value), leaves


def unflatten(spec: Any, leaves: List[torch.Tensor]) -> Any:
    it = iter(leaves)

    def build(s: Any) -> Any:
        if s == 'T':
            return next(it)
        (kind, items), = s.items()
        if kind == 'dict':
            return {k: build(x) for k, x in items}
        values = [build(x) for x in items]
        return tuple(values) if kind == 'tuple' else values

    return build(spec)


def count_leaves(spec: Any) -> int:
    """How many tensors ``spec`` describes."""
    if spec == 'T':
        return 1
    (kind, items), = spec.items()
    return sum(count_leaves(x[1] if kind == 'dict' else x) for x in items)
