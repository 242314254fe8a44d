"""Teacher input: a paired point set carried by the data samples, voxelised for the teacher.

The batch carries, per sample, a second point cloud of the same scene under
the same augmentation (``mmkd.LoadPairedPoints`` /
``ReplayPointsAugmentation`` / ``PackPairedPoints`` in the pipeline), e.g.
the object-complete frame of an X-Ray teacher. This input hands the teacher
those points instead of the student's, voxelised by the teacher's OWN data
preprocessor (its voxel size, range and limits may differ from the
student's), in the input layout of mmdet3d's voxel detectors:
``dict(points=[...], voxels=...)``.
"""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

from torch import nn

from mmkd.registry import TASK_UTILS
from .teacher_inputs import TeacherInput


@TASK_UTILS.register_module()
class PairedPointsInput(TeacherInput):
    """Args:
        field: name of the data-sample field holding the paired points.
    """

    def __init__(self, field: str = 'paired_points') -> None:
        self.field = field

    def __call__(self, inputs: Any, data_samples: Optional[List[Any]],
                 teacher: nn.Module) -> Tuple[Any, Optional[List[Any]]]:
        if not data_samples:
            raise ValueError(f'PairedPointsInput: the teacher needs data samples carrying {self.field!r}')
        missing = [i for i, sample in enumerate(data_samples) if self.field not in sample]
        if missing:
            raise KeyError(f'PairedPointsInput: data samples {missing} have no field {self.field!r}; add '
                           "mmkd.LoadPairedPoints, ReplayPointsAugmentation and PackPairedPoints to the pipeline")
        device = inputs['points'][0].device if isinstance(inputs, dict) and inputs.get('points') else None
        points = [sample.get(self.field) for sample in data_samples]
        points = [p.to(device) if device is not None else p for p in points]
        preprocessor = getattr(teacher, 'data_preprocessor', None)
        if preprocessor is None or not hasattr(preprocessor, 'voxelize'):
            raise TypeError(f'PairedPointsInput: teacher {type(teacher).__name__} has no voxelising data '
                            'preprocessor (mmdet3d Det3DDataPreprocessor with voxel=True)')
        teacher_inputs = dict(points=points)
        if getattr(preprocessor, 'voxel', False):
            teacher_inputs['voxels'] = preprocessor.voxelize(points, data_samples)
        return teacher_inputs, data_samples

    def describe(self) -> str:
        return f'{type(self).__name__}(field={self.field!r})'
