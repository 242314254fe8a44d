# The full distillation pyramid: object + block + global (OADP).
_base_ = ['../_base_/distill/oadp_clip-tiny-vit-64_faster-rcnn-r18-w8_ov-shapes-coco.py']
