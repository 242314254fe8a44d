"""CLIP (open_clip) models as teachers: building, local checkpoints, text embeddings."""
from .build import SMALL_CLIP_CONFIGS, build_clip_tokenizer, build_open_clip
from .checkpoint import (CLIPCheckpointError, CLIPLoadResult, compare_state_dict, is_torchscript_archive,
                         load_clip_checkpoint, read_clip_state_dict)
from .contrastive_clip import ContrastiveCLIP
from .preprocess import clip_mean_std, clip_normalize
from .prompts import DEFAULT_PROMPT_TEMPLATES, category_text_embeddings
from .teacher import CLIPTeacher

__all__ = ['SMALL_CLIP_CONFIGS', 'build_clip_tokenizer', 'build_open_clip', 'CLIPCheckpointError',
           'CLIPLoadResult', 'compare_state_dict', 'is_torchscript_archive', 'load_clip_checkpoint',
           'read_clip_state_dict', 'clip_mean_std', 'clip_normalize', 'DEFAULT_PROMPT_TEMPLATES',
           'category_text_embeddings', 'CLIPTeacher', 'ContrastiveCLIP']
