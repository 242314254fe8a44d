"""Accumulation strategies of object-complete frames, built by name."""
from .base import AccumulationStrategy
from .concatenate import ConcatenateStrategy
from .icp import ICPStrategy, icp, rigid_fit
from .single_frame import SingleFrameStrategy

STRATEGIES = dict(concatenate=ConcatenateStrategy, single_frame=SingleFrameStrategy, icp=ICPStrategy)


def build_strategy(cfg) -> AccumulationStrategy:
    """``'concatenate'``, ``dict(type='icp', iterations=10)`` or a strategy instance."""
    if isinstance(cfg, AccumulationStrategy):
        return cfg
    cfg = dict(type=cfg) if isinstance(cfg, str) else dict(cfg)
    kind = cfg.pop('type', None)
    if kind not in STRATEGIES:
        raise KeyError(f'unknown accumulation strategy {kind!r}; choose one of {sorted(STRATEGIES)}')
    return STRATEGIES[kind](**cfg)


__all__ = ['AccumulationStrategy', 'ConcatenateStrategy', 'ICPStrategy', 'SingleFrameStrategy', 'STRATEGIES',
           'build_strategy', 'icp', 'rigid_fit']
