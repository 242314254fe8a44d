from .cwd import ChannelWiseDivergence, cwd_loss
from .dkd import DKDLoss, dkd_loss
from .fitnet import FitNetLoss, fitnet_loss
from .kd import KDLoss, kd_loss
from .pkd import PKDLoss, pkd_loss
from .pixel_dkd import PixelDKDLoss

__all__ = [
    'ChannelWiseDivergence', 'DKDLoss', 'FitNetLoss', 'KDLoss', 'PKDLoss', 'PixelDKDLoss',
    'cwd_loss', 'dkd_loss', 'fitnet_loss', 'kd_loss', 'pkd_loss',
]
