"""Segment Anything models as mmkd teachers and students (segment_anything's own classes).

* :mod:`.builder`: ``build_sam('vit_b')`` or a small assembled SAM; the ViT encoder recipe;
* :mod:`.timm_encoder`: a timm backbone as the image encoder of a TinySAM-style student;
* :mod:`.checkpoint`: strict, weights-only loading of official SAM checkpoints;
* :mod:`.decoding`: prompt encoder + mask decoder over a batch, with the decoder tokens;
* :mod:`.inputs`: SAM's normalisation and padding as a data preprocessor, and its input check;
* :mod:`.prompt_sampling`: points inside masks, TinySAM's hard point sampling, boxes (pure functions);
* :mod:`.instance_prompts`: training and evaluation prompts from ground-truth instance masks;
* :mod:`.prompt_trainer`: ``SamPromptTrainer``, SAM as a task model (prompted training, prompt mIoU);
* :mod:`.hierarchical_generator`: TinySAM's sparse-then-dense segment-everything;
* :mod:`.quantization`: post-training int8 quantization of the image encoder.
"""
from .builder import OFFICIAL_SAM_ARCHS, build_sam, build_sam_vit_encoder
from .checkpoint import check_sam_state_dict, describe_sam_state_dict, load_sam_checkpoint
from .decoding import SamDecoderOutput, SamPrompts, decode_masks
from .hierarchical_generator import HierarchicalMaskGenerator
from .inputs import check_sam_inputs, sam_data_preprocessor
from .instance_prompts import (PROMPT_TYPES, SamPromptSampler, best_masks, check_prompt_types, eval_prompts,
                               instance_masks, predict_instance_masks)
from .prompt_sampling import (PAD_LABEL, boxes_from_masks, center_points_of_masks, draw_num_rounds,
                              sample_hard_point_prompts, sample_points_in_masks)
from .prompt_trainer import SamPromptTrainer, build_sam_model
from .quantization import quantize_sam_image_encoder
from .timm_encoder import TimmSamImageEncoder

__all__ = ['OFFICIAL_SAM_ARCHS', 'build_sam', 'build_sam_vit_encoder', 'check_sam_state_dict',
           'describe_sam_state_dict', 'load_sam_checkpoint', 'SamDecoderOutput', 'SamPrompts', 'decode_masks',
           'TimmSamImageEncoder', 'HierarchicalMaskGenerator', 'quantize_sam_image_encoder',
           'check_sam_inputs', 'sam_data_preprocessor', 'PROMPT_TYPES', 'SamPromptSampler', 'best_masks',
           'check_prompt_types', 'eval_prompts', 'instance_masks', 'predict_instance_masks',
           'PAD_LABEL', 'boxes_from_masks', 'center_points_of_masks', 'draw_num_rounds', 'sample_hard_point_prompts',
           'sample_points_in_masks', 'SamPromptTrainer', 'build_sam_model']
