# Variant of ACAM-KD on the FPN: the mask units ascend the distillation error
# (gradient reversal) while the student descends it, so the masks move to where
# the student is furthest from the teacher; the diversity term keeps them apart.
_base_ = ['./acam-kd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py']
model = dict(distiller=dict(losses=dict(loss_acam=dict(masks_seek_error=True))))
