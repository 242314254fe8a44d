from .semi_supervised_seg_preprocessor import MASK_FIELD, SOURCES_FIELD, SemiSupervisedSegDataPreProcessor

__all__ = ['MASK_FIELD', 'SOURCES_FIELD', 'SemiSupervisedSegDataPreProcessor']
