from .base_connector import BaseConnector
from .conv_connector import ConvConnector
from .resize_connector import ResizeConnector
from .mgd_connector import MGDConnector

__all__ = ['BaseConnector', 'ConvConnector', 'ResizeConnector', 'MGDConnector']
