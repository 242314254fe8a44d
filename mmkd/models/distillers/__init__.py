from .configurable_distiller import ConfigurableDistiller
from .loss_input import LossInput
from .ofa_distiller import OFADistiller
from .tinysam_distiller import TinySAMDistiller

__all__ = ['ConfigurableDistiller', 'LossInput', 'OFADistiller', 'TinySAMDistiller']
