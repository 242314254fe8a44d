from .cwd import ChannelWiseDivergence, cwd_loss
from .dkd import DKDLoss, dkd_loss
from .fitnet import FitNetLoss, fitnet_loss
from .kd import KDLoss, kd_loss
from .pkd import PKDLoss, pkd_loss
from .mgd import MGDLoss, mgd_loss
from .fgd import (FGDLoss, GcBlock, channel_attention, fgd_attention_loss, fgd_focal_loss,
                  fgd_global_loss, fgd_masks, fgd_masks_from_semseg, spatial_attention)

__all__ = [
    'ChannelWiseDivergence', 'DKDLoss', 'FitNetLoss', 'KDLoss', 'PKDLoss',
    'cwd_loss', 'dkd_loss', 'fitnet_loss', 'kd_loss', 'pkd_loss',
    'MGDLoss', 'mgd_loss', 'FGDLoss', 'GcBlock', 'spatial_attention', 'channel_attention', 'fgd_masks',
    'fgd_masks_from_semseg',
    'fgd_focal_loss', 'fgd_attention_loss', 'fgd_global_loss',
]
from .acam import (ACAMLoss, channel_masks, cross_attention_fusion, dice_coefficient, mask_diversity_loss,
                   joint_mask_diversity_loss,
                   masked_distill_loss, spatial_masks)

__all__ += ['ACAMLoss', 'cross_attention_fusion', 'channel_masks', 'spatial_masks', 'dice_coefficient',
            'mask_diversity_loss', 'joint_mask_diversity_loss', 'masked_distill_loss']
from .ofa import OFALoss, ofa_loss

__all__ += ['OFALoss', 'ofa_loss']
from .tinysam import (L1DistillLoss, TinySAMLoss, TinySAMOutputLoss, combine_prompt_losses, hard_mask_weight,
                      hard_weighted_output_loss, l1_distill_loss, mask_dice_loss, mask_focal_loss, mask_iou,
                      weighted_output_loss)

__all__ += ['L1DistillLoss', 'TinySAMLoss', 'TinySAMOutputLoss', 'combine_prompt_losses', 'hard_mask_weight',
            'hard_weighted_output_loss', 'l1_distill_loss', 'mask_dice_loss', 'mask_focal_loss', 'mask_iou',
            'weighted_output_loss']
from .oadp import (AsymmetricLoss, BlockDistillLoss, GlobalDistillLoss, ObjectDistillLoss, RelationDistillLoss,
                   asymmetric_loss, global_distill_loss, object_distill_loss, relation_distill_loss,
                   relation_matrix)

__all__ += ['AsymmetricLoss', 'BlockDistillLoss', 'GlobalDistillLoss', 'ObjectDistillLoss', 'RelationDistillLoss',
            'asymmetric_loss', 'global_distill_loss', 'object_distill_loss', 'relation_distill_loss',
            'relation_matrix']
from .attention_transfer import AttentionTransferLoss, attention_map, attention_transfer_loss

__all__ += ['AttentionTransferLoss', 'attention_map', 'attention_transfer_loss']
from .pooled_logits_l1 import PooledLogitsL1Loss, pooled_logits_l1_loss
from .pseudo_label_ce import PseudoLabelCELoss, pseudo_label_ce_loss
from .region_similarity import RegionSimilarityLoss, cosine_similarity_matrix, region_similarity_loss

__all__ += ['PooledLogitsL1Loss', 'pooled_logits_l1_loss', 'PseudoLabelCELoss', 'pseudo_label_ce_loss',
            'RegionSimilarityLoss', 'cosine_similarity_matrix', 'region_similarity_loss']
from .bev_distill import BEVDistillLoss, bev_distill_loss, rasterise_boxes_bev
from .head_distill import HeadDistillLoss, masked_l1_loss, sigmoid_kl_loss, sigmoid_mse_loss

__all__ += ['BEVDistillLoss', 'bev_distill_loss', 'rasterise_boxes_bev', 'HeadDistillLoss', 'masked_l1_loss',
            'sigmoid_kl_loss', 'sigmoid_mse_loss']
