# Transformer student trained alone (the baseline of the resnet18 -> deit-e64-d4 pair).
_base_ = [
    '../_base_/models/timm_deit-e64-d4_32px.py',
    '../_base_/datasets/shapes_classification.py',
    '../_base_/schedules/cls_adamw_10e.py',
    '../_base_/cls_runtime.py',
]
