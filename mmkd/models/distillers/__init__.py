from .configurable_distiller import ConfigurableDistiller
from .loss_input import LossInput
from .ofa_distiller import OFADistiller
from .stage_hint_distiller import StageHintDistiller

__all__ = ['ConfigurableDistiller', 'LossInput', 'OFADistiller', 'StageHintDistiller']
