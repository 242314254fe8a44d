# CNN teacher: ResNet-18 on the embedded classification set, 30 epochs.
_base_ = [
    '../_base_/models/timm_resnet18_32px.py',
    '../_base_/datasets/shapes_classification.py',
    '../_base_/schedules/cls_adamw_30e.py',
    '../_base_/cls_runtime.py',
]
