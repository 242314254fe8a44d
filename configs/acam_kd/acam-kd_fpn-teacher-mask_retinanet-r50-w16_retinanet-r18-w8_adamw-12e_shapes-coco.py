# Ablation of ACAM-KD on the FPN: masks from the teacher feature alone (no
# student-teacher cross-attention fusion; the paper's fixed-teacher-mask variant).
_base_ = ['./acam-kd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py']
model = dict(distiller=dict(losses=dict(loss_acam=dict(mask_source='teacher'))))
