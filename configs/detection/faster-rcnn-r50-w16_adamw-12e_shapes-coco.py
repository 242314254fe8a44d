# Two-stage teacher on the embedded shapes set: python tools/train.py THIS_FILE
_base_ = [
    '../_base_/models/faster-rcnn_r50-w16_fpn_shapes.py',
    '../_base_/datasets/shapes_coco_detection.py',
    '../_base_/schedules/adamw_12e.py',
    '../_base_/det_runtime.py',
]
