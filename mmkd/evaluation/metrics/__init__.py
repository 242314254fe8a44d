from .mask_recall import mask_iou_matrix, mask_recall
from .prompt_miou import PromptMIoU
from .topk_accuracy import TopKAccuracy

__all__ = ['PromptMIoU', 'TopKAccuracy', 'mask_iou_matrix', 'mask_recall']
from .ov_ap50 import OpenVocabularyAP50

__all__ += ['OpenVocabularyAP50']
from .domain_iou import DomainIoUMetric, domain_of

__all__ += ['DomainIoUMetric', 'domain_of']
