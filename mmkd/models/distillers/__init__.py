from .configurable_distiller import ConfigurableDistiller
from .loss_input import LossInput
from .ofa_distiller import OFADistiller

__all__ = ['ConfigurableDistiller', 'LossInput', 'OFADistiller']
from .multi_granularity_distiller import MultiGranularityDistiller

__all__ += ['MultiGranularityDistiller']
