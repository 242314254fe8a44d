"""OADP (Wang et al., CVPR 2023): object-aware knowledge extraction (OAKE) from a CLIP teacher."""
# box geometry OAKE shares with the CLIP image-text pairs lives in mmkd.structures
from mmkd.structures.boxes import adaptive_square_boxes, jitter_boxes, valid_proposals
from mmkd.structures.crops import box_background_masks, crop_and_resize
from .blocks import sliding_block_boxes
from .embeddings import block_embeddings, global_embedding, object_embeddings
from .object_attention import ObjectAwareEncoder
from .oake import compute_oake
from .oake_cache import OAKEFeatureCache, oake_fingerprints, oake_key
from .oake_extraction import ProposalSource, extract_oake_features
from .proposals import gt_jitter_proposals
from .rpn_proposals import RPNProposalSource

__all__ = ['sliding_block_boxes', 'box_background_masks', 'crop_and_resize', 'block_embeddings',
           'global_embedding', 'object_embeddings', 'ObjectAwareEncoder', 'adaptive_square_boxes',
           'valid_proposals', 'gt_jitter_proposals', 'jitter_boxes', 'RPNProposalSource',
           'OAKEFeatureCache', 'compute_oake', 'extract_oake_features', 'oake_fingerprints', 'oake_key',
           'ProposalSource']
