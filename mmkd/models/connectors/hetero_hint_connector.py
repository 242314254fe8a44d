"""FitNet regressor between models of different families (CNN / ViT / MLP).

FitNet compares a student feature with a teacher feature element-wise, which
presumes both are maps of one size. Across families the student stage may be
a token sequence, and the grids and widths differ; this connector brings the
student feature to the teacher's map shape: tokens to a map, the grid resized
to the teacher's (area averaging when shrinking, bilinear when enlarging),
then the paper's 1x1 convolution regressor to the teacher's channels. The
teacher side goes through the parameter-free :class:`TokensToMap` when it is
not a map already.
"""
from __future__ import annotations

from typing import Mapping, Union

import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .base_connector import BaseConnector
from .feature_layout import FeatureSpec


@MODELS.register_module()
class HeteroHintConnector(BaseConnector):
    """Args:
        student: :class:`FeatureSpec` of the student stage (any layout).
        teacher: :class:`FeatureSpec` of the teacher stage it is compared with.
        bias: bias of the 1x1 regressor (OFAKD's FitNet uses none).

    Output: ``(B, teacher.channels, *teacher.grid)``.
    """

    def __init__(self, student: Union[FeatureSpec, Mapping], teacher: Union[FeatureSpec, Mapping],
                 bias: bool = False) -> None:
        super().__init__()
        self.student = FeatureSpec.parse(student, 'HeteroHintConnector student')
        self.teacher = FeatureSpec.parse(teacher, 'HeteroHintConnector teacher')
        self.regressor = nn.Conv2d(self.student.channels, self.teacher.channels, 1, bias=bias)
        nn.init.kaiming_normal_(self.regressor.weight, mode='fan_out', nonlinearity='relu')

    def forward_single(self, feature: Tensor) -> Tensor:
        x = self.student.to_map(feature, 'HeteroHintConnector (student feature)')
        size = self.teacher.grid
        if tuple(x.shape[2:]) != size:
            if x.shape[2] >= size[0] and x.shape[3] >= size[1]:
                x = F.adaptive_avg_pool2d(x, size)
            else:
                x = F.interpolate(x, size=size, mode='bilinear', align_corners=False)
        return self.regressor(x)
