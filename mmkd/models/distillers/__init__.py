from .base_distiller import BaseDistiller, distill_loss_key
from .bev_head_distiller import BEVHeadDistiller
from .configurable_distiller import ConfigurableDistiller
from .loss_input import LossInput
from .oadp_distiller import OADPDistiller
from .ofa_distiller import OFADistiller
from .gkd_distiller import GKDDistiller
from .stage_hint_distiller import StageHintDistiller
from .tinysam_distiller import TinySAMDistiller

__all__ = ['BaseDistiller', 'BEVHeadDistiller', 'ConfigurableDistiller', 'GKDDistiller', 'LossInput', 'OADPDistiller', 'OFADistiller',
           'StageHintDistiller', 'TinySAMDistiller', 'distill_loss_key']
from .multi_granularity_distiller import MultiGranularityDistiller

__all__ += ['MultiGranularityDistiller']
