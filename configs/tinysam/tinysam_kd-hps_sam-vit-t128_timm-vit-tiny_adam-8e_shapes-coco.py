# Ablation row 3: + online hard prompt sampling (0..9 rounds per image of new
# points in the part of the mask the student misses). The loss takes one round's
# prompt per mask, drawn uniformly among the rounds the mask took part in
# (prompts.rounds_per_mask=1): it costs what the final prompt alone does, and the
# single point is still a round's share of the masks (29 %, not the 10 % of training
# on the final prompt only). prompts.rounds_per_mask=None trains every round
# (~5.5 decoder passes with gradient per mask in student and teacher).
_base_ = ['./tinysam_kd_sam-vit-t128_timm-vit-tiny_adam-8e_shapes-coco.py']
model = dict(student=dict(prompts=dict(hard_point_sampling=True, rounds_per_mask=1)))
