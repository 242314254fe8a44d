from .pack_cls_inputs import PackClsInputs
from .paired_points import LoadPairedPoints, PackPairedPoints, ReplayPointsAugmentation

__all__ = ['LoadPairedPoints', 'PackClsInputs', 'PackPairedPoints', 'ReplayPointsAugmentation']
