# Ablation row 3: + online hard prompt sampling (0..9 rounds per image of new
# points in the part of the mask the student misses).
_base_ = ['./tinysam_kd_sam-vit-t128_timm-vit-tiny_adam-8e_shapes-coco.py']
model = dict(student=dict(prompts=dict(hard_point_sampling=True)))
