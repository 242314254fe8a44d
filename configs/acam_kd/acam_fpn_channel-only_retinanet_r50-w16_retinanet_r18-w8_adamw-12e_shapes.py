# Ablation of ACAM-KD on the FPN: channel masks only (the other kind is all ones).
_base_ = ['./acam_fpn_retinanet_r50-w16_retinanet_r18-w8_adamw-12e_shapes.py']
model = dict(distiller=dict(losses=dict(loss_acam=dict(mask_mode='channel'))))
