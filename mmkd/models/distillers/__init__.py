from .bev_head_distiller import BEVHeadDistiller
from .configurable_distiller import ConfigurableDistiller
from .loss_input import LossInput
from .ofa_distiller import OFADistiller

__all__ = ['BEVHeadDistiller', 'ConfigurableDistiller', 'LossInput', 'OFADistiller']
