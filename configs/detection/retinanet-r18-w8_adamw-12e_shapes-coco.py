# Student trained alone (the baseline every distilled student is compared with).
_base_ = [
    '../_base_/models/retinanet_r18-w8_fpn_shapes.py',
    '../_base_/datasets/shapes_coco_detection.py',
    '../_base_/schedules/adamw_12e.py',
    '../_base_/det_runtime.py',
]
