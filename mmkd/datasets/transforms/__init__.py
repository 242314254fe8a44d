from .pack_cls_inputs import PackClsInputs
from .paired_points import LoadPairedPoints, PackPairedPoints, ReplayPointsAugmentation
from .style_twin import LoadStyleTwin

__all__ = ['LoadPairedPoints', 'LoadStyleTwin', 'PackClsInputs', 'PackPairedPoints', 'ReplayPointsAugmentation']
