"""Input checks shared by the distillation losses."""
from __future__ import annotations

import math
import numbers
from typing import Any, Mapping, Optional

from torch import Tensor, nn

from mmkd.registry import MODELS, scoped


def check_pair(name: str, preds_S: Tensor, preds_T: Tensor, ndim: Optional[int] = None,
               min_ndim: int = 1, same_shape: bool = True) -> None:
    """Raise ``ValueError`` naming both shapes (or dtypes) when the pair is malformed.

    ``ndim`` demands an exact number of dimensions, ``min_ndim`` a minimum;
    ``same_shape=False`` only checks dimensions (the caller compares the rest).
    """
    if not (preds_S.is_floating_point() and preds_T.is_floating_point()):
        raise ValueError(f'{name} expects floating-point features or logits, got preds_S of {preds_S.dtype} and '
                         f'preds_T of {preds_T.dtype} (class labels or indices wired in as a feature?)')
    s, t = tuple(preds_S.shape), tuple(preds_T.shape)
    for which, shape in (('preds_S', s), ('preds_T', t)):
        if ndim is not None and len(shape) != ndim:
            raise ValueError(f'{name} expects {ndim}-d {which}, got shape {shape}')
        if len(shape) < min_ndim:
            raise ValueError(f'{name} expects {which} with at least {min_ndim} dims, got shape {shape}')
    if same_shape and s != t:
        raise ValueError(f'{name} expects preds_S and preds_T of the same shape, got {s} and {t}')


#: loss arguments that divide logits or features: only a positive number makes sense
POSITIVE_ARGS = ('tau', 'temp', 'temperature', 'eps', 'p')
#: loss arguments that scale a term: a number, and for weights not below 0
SCALE_PREFIXES = ('alpha', 'beta', 'gamma', 'lambda')


def check_loss_args(loss_name: str, cfg: Mapping[str, Any]) -> None:
    """Refuse, before the loss is built, arguments that would train silently wrong.

    A negative temperature flips the softmax (the student learns the teacher's
    least likely channel), a weight given as a string fails deep inside the
    first step: both are named here with the loss and the argument.
    """
    loss_type = cfg.get('type', '?')
    for arg, value in cfg.items():
        is_weight = arg == 'loss_weight' or arg.endswith('_weight')
        is_scale = arg.split('_')[0] in SCALE_PREFIXES
        if arg not in POSITIVE_ARGS and not is_weight and not is_scale:
            continue
        where = f'distillation loss {loss_name!r} ({loss_type}): {arg}={value!r}'
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f'{where} is not a number')
        if not math.isfinite(value):
            raise ValueError(f'{where} is not finite')
        if arg in POSITIVE_ARGS and value <= 0:
            raise ValueError(f'{where} must be positive')
        if is_weight and value < 0:
            raise ValueError(f'{where} must not be negative')


def build_loss(loss_name: str, cfg: Mapping[str, Any]) -> nn.Module:
    """Build distillation loss ``loss_name`` from ``cfg`` (bare types are mmkd's), checking its
    arguments first; a build error (unknown type, unknown argument) names the loss."""
    cfg = scoped(cfg)
    check_loss_args(loss_name, cfg)
    try:
        return MODELS.build(cfg)
    except (KeyError, TypeError, ValueError) as err:
        message = err.args[0] if err.args else str(err)
        raise type(err)(f'distillation loss {loss_name!r}: {message}') from None
