# The full distillation pyramid: object + block + global (OADP).
_base_ = ['../_base_/distill/oadp_clip-tiny-vit-64_faster-rcnn_r18-w8_shapes-ov.py']
