from .model_builder import build_model, load_model_cfg
from .multi_teacher_distill import MultiTeacherDistill, SingleTeacherDistill

__all__ = ['MultiTeacherDistill', 'SingleTeacherDistill', 'build_model', 'load_model_cfg']
