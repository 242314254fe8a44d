# CNN student trained alone (the baseline of the swin-w48 -> resnet18-w32 pair).
_base_ = [
    '../_base_/models/timm_resnet18-w32_32px.py',
    '../_base_/datasets/shapes_classification.py',
    '../_base_/schedules/cls_adamw_10e.py',
    '../_base_/cls_runtime.py',
]
