# Two-stage student trained alone (the baseline the distilled Faster R-CNN students are compared with).
_base_ = [
    '../_base_/models/faster-rcnn_r18-w8_fpn_shapes.py',
    '../_base_/datasets/shapes_coco_detection.py',
    '../_base_/schedules/adamw_12e.py',
    '../_base_/det_runtime.py',
]
