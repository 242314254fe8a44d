# Ablation row "no distillation": the CLIP-text Faster R-CNN R18-w8 trained on
# the base boxes alone (novel classes only through their text embeddings).
_base_ = [
    '../_base_/models/faster-rcnn_r18-w8_fpn_clip-text_shapes-ov.py',
    '../_base_/datasets/shapes_coco_ov.py',
    '../_base_/schedules/adamw_12e.py',
    '../_base_/det_runtime.py',
]
