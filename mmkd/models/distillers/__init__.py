from .configurable_distiller import ConfigurableDistiller
from .loss_input import LossInput
from .ofa_distiller import OFADistiller
from .gkd_distiller import GKDDistiller

__all__ = ['ConfigurableDistiller', 'LossInput', 'OFADistiller', 'GKDDistiller']
