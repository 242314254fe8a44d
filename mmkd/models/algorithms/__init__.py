from .multi_teacher_distill import MultiTeacherDistill
from .single_teacher_distill import SingleTeacherDistill
from .teacher_inputs import ClonedInput, TeacherInput
# teacher input transforms: a teacher's own view of the batch
from .cutmix_teacher_input import CutMixSourcesInput
from .paired_points_input import PairedPointsInput
from .renormalized_input import RenormalizedInput

__all__ = ['MultiTeacherDistill', 'SingleTeacherDistill', 'TeacherInput', 'ClonedInput', 'CutMixSourcesInput', 'PairedPointsInput',
           'RenormalizedInput']
