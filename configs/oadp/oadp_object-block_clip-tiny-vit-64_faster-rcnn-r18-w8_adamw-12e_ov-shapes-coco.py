# Ablation row "+ block": object and block distillation.
_base_ = ['../_base_/distill/oadp_clip-tiny-vit-64_faster-rcnn-r18-w8_ov-shapes-coco.py']
model = dict(distiller=dict(levels=('object', 'block')))
