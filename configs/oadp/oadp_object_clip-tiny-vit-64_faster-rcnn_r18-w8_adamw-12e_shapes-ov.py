# Ablation row "+ object": object distillation only (cached OAKE proposals), ViLD ensemble at inference.
_base_ = ['../_base_/distill/oadp_clip-tiny-vit-64_faster-rcnn_r18-w8_shapes-ov.py']
model = dict(distiller=dict(levels=('object', )))
