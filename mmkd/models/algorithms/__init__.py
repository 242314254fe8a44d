from .multi_teacher_distill import MultiTeacherDistill
from .single_teacher_distill import SingleTeacherDistill

__all__ = ['MultiTeacherDistill', 'SingleTeacherDistill']
from .renormalized_input import RenormalizedInput

__all__ += ['RenormalizedInput']
from .cutmix_teacher_input import CutMixSourcesInput

__all__ += ['CutMixSourcesInput']
