from .mask_recall import mask_iou_matrix, mask_recall
from .prompt_miou import PromptMIoU
from .topk_accuracy import TopKAccuracy
from .zero_shot_accuracy import ZeroShotAccuracy, grouped_accuracy

__all__ = ['PromptMIoU', 'TopKAccuracy', 'ZeroShotAccuracy', 'grouped_accuracy', 'mask_iou_matrix', 'mask_recall']
from .ov_ap50 import OpenVocabularyAP50

__all__ += ['OpenVocabularyAP50']
from .domain_iou import DomainIoUMetric, domain_of

__all__ += ['DomainIoUMetric', 'domain_of']
from .distance_band_ap import ap_r40, band_ap, bev_iou
from .kitti_distance_metric import KittiDistanceMetric

__all__ += ['KittiDistanceMetric', 'ap_r40', 'band_ap', 'bev_iou']
