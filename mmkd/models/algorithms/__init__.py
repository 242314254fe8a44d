from .model_builder import build_model, load_model_cfg
from .multi_teacher_distill import MultiTeacherDistill, SingleTeacherDistill
from .paired_points_input import PairedPointsInput

__all__ = ['MultiTeacherDistill', 'PairedPointsInput', 'SingleTeacherDistill', 'build_model', 'load_model_cfg']
from .sam_prompt_trainer import SamPromptTrainer
from .tinysam_distill import TinySAMDistill

__all__ += ['SamPromptTrainer', 'TinySAMDistill']
