"""Input checks shared by the distillation losses."""
from __future__ import annotations

from typing import Optional

from torch import Tensor


def check_pair(name: str, preds_S: Tensor, preds_T: Tensor, ndim: Optional[int] = None,
               min_ndim: int = 1, same_shape: bool = True) -> None:
    """Raise ``ValueError`` naming both shapes when the pair is malformed.

    ``ndim`` demands an exact number of dimensions, ``min_ndim`` a minimum;
    ``same_shape=False`` only checks dimensions (the caller compares the rest).
    """
    s, t = tuple(preds_S.shape), tuple(preds_T.shape)
    for which, shape in (('preds_S', s), ('preds_T', t)):
        if ndim is not None and len(shape) != ndim:
            raise ValueError(f'{name} expects {ndim}-d {which}, got shape {shape}')
        if len(shape) < min_ndim:
            raise ValueError(f'{name} expects {which} with at least {min_ndim} dims, got shape {shape}')
    if same_shape and s != t:
        raise ValueError(f'{name} expects preds_S and preds_T of the same shape, got {s} and {t}')
