# + online hard prompt sampling, keeping each mask's first round (its single point)
# and one uniformly drawn later round (prompts.rounds_per_mask=2,
# keep_first_round=True): the single point is trained on every mask at every step,
# as with every round, at 2 decoder passes per mask instead of about 5.5.
_base_ = ['./tinysam_kd-hps_sam-vit-t128_timm-vit-tiny_adam-8e_shapes-coco.py']
model = dict(student=dict(prompts=dict(rounds_per_mask=2, keep_first_round=True)))
