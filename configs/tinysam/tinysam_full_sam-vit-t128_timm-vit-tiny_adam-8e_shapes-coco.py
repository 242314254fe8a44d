# Ablation row 4, TinySAM as published: + hard mask weighting of the output
# term, H = sigmoid(IoU_T / (IoU_S + eps) - 1).
_base_ = ['./tinysam_kd-hps_sam-vit-t128_timm-vit-tiny_adam-8e_shapes-coco.py']
model = dict(distiller=dict(losses=dict(loss_output=dict(hard_mask_weighting=True))))
