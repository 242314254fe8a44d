from .base_distiller import BaseDistiller, distill_loss_key
from .configurable_distiller import ConfigurableDistiller
from .loss_input import LossInput
from .oadp_distiller import OADPDistiller
from .ofa_distiller import OFADistiller

__all__ = ['BaseDistiller', 'ConfigurableDistiller', 'LossInput', 'OADPDistiller', 'OFADistiller', 'distill_loss_key']
