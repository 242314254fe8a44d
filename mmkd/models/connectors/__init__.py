from .base_connector import BaseConnector
from .channel_align_connector import ChannelAlignConnector
from .conv_connector import ConvConnector
from .resize_connector import ResizeConnector
from .mgd_connector import MGDConnector
from .feature_layout import FeatureSpec, TokensToMap
from .hetero_hint_connector import HeteroHintConnector
from .ofa_branch import OFABranch

__all__ = ['BaseConnector', 'ChannelAlignConnector', 'ConvConnector', 'ResizeConnector', 'MGDConnector', 'FeatureSpec',
           'TokensToMap', 'HeteroHintConnector', 'OFABranch']
from .token_select import TokenSelect, select_tokens
from .token_projection import TokenProjection
from .qsd_head import QSDHead

__all__ += ['TokenSelect', 'select_tokens', 'TokenProjection', 'QSDHead']
from .batch_chunk import BatchChunkConnector
from .cutmix_connector import CutMixConnector, cutmix_outputs

__all__ += ['BatchChunkConnector', 'CutMixConnector', 'cutmix_outputs']
