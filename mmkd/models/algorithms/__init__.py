from .multi_teacher_distill import MultiTeacherDistill
from .single_teacher_distill import SingleTeacherDistill

__all__ = ['MultiTeacherDistill', 'SingleTeacherDistill']
from .sam_prompt_trainer import SamPromptTrainer
from .tinysam_distill import TinySAMDistill

__all__ += ['SamPromptTrainer', 'TinySAMDistill']
