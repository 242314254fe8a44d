from .multi_teacher_distill import MultiTeacherDistill
from .single_teacher_distill import SingleTeacherDistill

from .paired_points_input import PairedPointsInput

__all__ = ['MultiTeacherDistill', 'PairedPointsInput', 'SingleTeacherDistill']
from .renormalized_input import RenormalizedInput

__all__ += ['RenormalizedInput']
from .cutmix_teacher_input import CutMixSourcesInput

__all__ += ['CutMixSourcesInput']
