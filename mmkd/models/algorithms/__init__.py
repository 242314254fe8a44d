from .model_builder import build_model, load_model_cfg
from .multi_teacher_distill import MultiTeacherDistill, SingleTeacherDistill

__all__ = ['MultiTeacherDistill', 'SingleTeacherDistill', 'build_model', 'load_model_cfg']
from .sam_prompt_trainer import SamPromptTrainer
from .tinysam_distill import TinySAMDistill

__all__ += ['SamPromptTrainer', 'TinySAMDistill']
from .cutmix_teacher_input import CutMixSourcesInput

__all__ += ['CutMixSourcesInput']
