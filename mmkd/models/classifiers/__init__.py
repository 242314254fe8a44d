from . import timm_archs  # noqa: F401  (registers mmkd_mixer / mmkd_resmlp in timm)
from .timm_classifier import TimmClassifier

__all__ = ['TimmClassifier']
