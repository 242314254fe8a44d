from .base_distiller import BaseDistiller, distill_loss_key
from .configurable_distiller import ConfigurableDistiller
from .loss_input import LossInput
# distillers that generate ConfigurableDistiller wiring
from .bev_head_distiller import BEVHeadDistiller
from .gkd_distiller import GKDDistiller
from .multi_granularity_distiller import MultiGranularityDistiller
from .ofa_distiller import OFADistiller
from .stage_hint_distiller import StageHintDistiller
# distillers with a flow of their own (BaseDistiller)
from .oadp_distiller import OADPDistiller
from .tinysam_distiller import TinySAMDistiller

__all__ = ['BaseDistiller', 'ConfigurableDistiller', 'LossInput', 'distill_loss_key', 'BEVHeadDistiller',
           'GKDDistiller', 'MultiGranularityDistiller', 'OFADistiller', 'StageHintDistiller', 'OADPDistiller',
           'TinySAMDistiller']
