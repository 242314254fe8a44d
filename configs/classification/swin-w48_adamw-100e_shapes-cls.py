# Transformer teacher: a small Swin on the embedded classification set, 100 epochs
# (transformers from scratch need far more steps than CNNs to reach a useful accuracy).
_base_ = [
    '../_base_/models/timm_swin-w48_32px.py',
    '../_base_/datasets/shapes_classification.py',
    '../_base_/schedules/cls_adamw_100e.py',
    '../_base_/cls_runtime.py',
]
