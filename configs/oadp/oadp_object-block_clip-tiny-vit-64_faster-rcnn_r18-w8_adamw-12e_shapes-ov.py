# Ablation row "+ block": object and block distillation.
_base_ = ['../_base_/distill/oadp_clip-tiny-vit-64_faster-rcnn_r18-w8_shapes-ov.py']
model = dict(distiller=dict(levels=('object', 'block')))
