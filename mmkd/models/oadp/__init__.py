"""OADP (Wang et al., CVPR 2023): object-aware knowledge extraction (OAKE) from a CLIP teacher."""
from .blocks import sliding_block_boxes
from .crops import box_background_masks, crop_and_resize
from .embeddings import block_embeddings, global_embedding, object_embeddings
from .object_attention import ObjectAwareEncoder
from .oake_cache import OAKEFeatureCache, compute_oake, extract_oake_features, oake_fingerprints, oake_key
from .proposal_transform import adaptive_square_boxes, valid_proposals
from .proposals import gt_jitter_proposals, jitter_boxes
from .rpn_proposals import RPNProposalSource

__all__ = ['sliding_block_boxes', 'box_background_masks', 'crop_and_resize', 'block_embeddings',
           'global_embedding', 'object_embeddings', 'ObjectAwareEncoder', 'adaptive_square_boxes',
           'valid_proposals', 'gt_jitter_proposals', 'jitter_boxes', 'RPNProposalSource',
           'OAKEFeatureCache', 'compute_oake', 'extract_oake_features', 'oake_fingerprints', 'oake_key']
