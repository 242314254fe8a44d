# ACAM-KD on the FPN with the distillation weight tuned on the embedded set:
# alpha 1e-4 (10x the untuned 1e-5, where alpha * L_distill starts near the task
# loss). Sweep over 1e-5 / 3e-5 / 1e-4 / 3e-4, two seeds each: README.md.
_base_ = ['./acam-kd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py']
model = dict(distiller=dict(losses=dict(loss_acam=dict(alpha=1e-4))))
