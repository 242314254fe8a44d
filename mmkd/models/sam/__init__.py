"""Segment Anything models as mmkd teachers and students (segment_anything's own classes).

* :mod:`.builder`: ``build_sam('vit_b')`` or a small assembled SAM; the ViT encoder recipe;
* :mod:`.timm_encoder`: a timm backbone as the image encoder of a TinySAM-style student;
* :mod:`.checkpoint`: strict, weights-only loading of official SAM checkpoints;
* :mod:`.decoding`: prompt encoder + mask decoder over a batch, with the decoder tokens;
* :mod:`.hierarchical_generator`: TinySAM's sparse-then-dense segment-everything;
* :mod:`.quantization`: post-training int8 quantization of the image encoder.
"""
from .builder import OFFICIAL_SAM_ARCHS, build_sam, build_sam_vit_encoder
from .checkpoint import check_sam_state_dict, describe_sam_state_dict, load_sam_checkpoint
from .decoding import SamDecoderOutput, SamPrompts, decode_masks
from .hierarchical_generator import HierarchicalMaskGenerator
from .quantization import quantize_sam_image_encoder
from .timm_encoder import TimmSamImageEncoder

__all__ = ['OFFICIAL_SAM_ARCHS', 'build_sam', 'build_sam_vit_encoder', 'check_sam_state_dict',
           'describe_sam_state_dict', 'load_sam_checkpoint', 'SamDecoderOutput', 'SamPrompts', 'decode_masks',
           'TimmSamImageEncoder', 'HierarchicalMaskGenerator', 'quantize_sam_image_encoder']
