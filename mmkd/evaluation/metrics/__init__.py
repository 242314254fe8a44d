from .mask_recall import mask_iou_matrix, mask_recall
from .prompt_miou import PromptMIoU
from .topk_accuracy import TopKAccuracy

__all__ = ['PromptMIoU', 'TopKAccuracy', 'mask_iou_matrix', 'mask_recall']
from .ov_ap50 import OpenVocabularyAP50

__all__ += ['OpenVocabularyAP50']
from .distance_band_ap import ap_r40, band_ap, bev_iou
from .kitti_distance_metric import KittiDistanceMetric

__all__ += ['KittiDistanceMetric', 'ap_r40', 'band_ap', 'bev_iou']
