from .configurable_distiller import ConfigurableDistiller
from .loss_input import LossInput

__all__ = ['ConfigurableDistiller', 'LossInput']
