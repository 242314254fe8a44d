"""Deterministic, offline data sets generated on the fly (no download needed).

``generate_detection`` writes a COCO-format shapes set and
``generate_segmentation`` a Cityscapes-layout street set; both are read by
the unchanged mmdet/mmseg dataset classes, so the same configs run on the
embedded data and on the real data sets. ``generate_classification`` writes
object crops in the class-per-folder layout of ImageNet.
``generate_street_segments`` writes street scenes in the COCO layout whose
instance masks tile the whole image (segment-everything evaluation).
"""
from .cityscapes_classes import CITYSCAPES_CLASSES, IGNORE_INDEX
from .classification import CLASSIFICATION_CLASSES, generate_classification
from .detection import generate_detection
from .segmentation import generate_segmentation, generate_street_domains
from .shapes import SHAPES_CLASSES
from .storage import GENERATOR_VERSION
from .street_domains import STREET_DOMAINS, render_street_domain
from .street_segments import generate_street_segments, label_map_segments

__all__ = ['CITYSCAPES_CLASSES', 'CLASSIFICATION_CLASSES', 'GENERATOR_VERSION', 'IGNORE_INDEX',
           'SHAPES_CLASSES', 'STREET_DOMAINS', 'generate_classification', 'generate_detection',
           'generate_segmentation', 'generate_street_domains', 'generate_street_segments', 'label_map_segments',
           'render_street_domain']
