# Ablation row "+ object": object distillation only (cached OAKE proposals), ViLD ensemble at inference.
_base_ = ['../_base_/distill/oadp_clip-tiny-vit-64_faster-rcnn-r18-w8_ov-shapes-coco.py']
model = dict(distiller=dict(levels=('object', )))
