"""Vision foundation models as teachers, and the token students and frozen backbones distilled from them.

* :mod:`.teacher`: DINOv2 / EVA02 (timm), open_clip image towers, the SAM
  image encoder, built by name, emitting ``(B, 1 + N, C)`` tokens;
* :mod:`.checkpoint`: official DINOv2 / EVA02 files into timm models, strictly;
* :mod:`.token_student`: a timm backbone as a token student with a masked view;
* :mod:`.patch_masking`: which samples and patches are masked;
* :mod:`.frozen_backbone`: a distilled backbone, frozen, inside an mmseg segmentor;
* :mod:`.mae_pretrainer`: MAE pre-training of a small ViT teacher (no foundation weights here);
* :mod:`.dense_byol_pretrainer`: dense self-distillation (BYOL per place) across views and styles (the stronger
  stand-in teacher), with :mod:`.view_augment`'s crops and photometric shifts.
"""
from .checkpoint import FoundationCheckpointError, load_timm_foundation_checkpoint, read_state_dict
from .dense_byol_pretrainer import DenseBYOLPretrainer
from .frozen_backbone import FrozenTimmBackbone
from .mae_pretrainer import MAEPretrainer
from .patch_masking import sample_patch_masks
from .teacher import FOUNDATION_MODELS, FoundationTeacher
from .token_student import MaskedTokenStudent

__all__ = ['FoundationCheckpointError', 'load_timm_foundation_checkpoint', 'read_state_dict', 'DenseBYOLPretrainer',
           'FrozenTimmBackbone', 'MAEPretrainer', 'sample_patch_masks', 'FOUNDATION_MODELS', 'FoundationTeacher', 'MaskedTokenStudent']
