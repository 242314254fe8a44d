# + online hard prompt sampling on the full-coverage street segments: 0..9 rounds per
# image of new points in the part of the mask the student misses. The loss takes one
# round's prompt per mask, drawn uniformly among the rounds the mask took part in
# (prompts.rounds_per_mask=1): all rounds cost ~5.5 decoder passes with gradient per
# mask in student and teacher (22 s a step on this set's 8 masks per image on one CPU
# thread, against ~5 s for + KD), one round costs what the final prompt alone does,
# and the single point is still a round's share of the masks (29 %, not 10 %).
_base_ = ['./tinysam_kd_sam-vit-t128_timm-vit-tiny_adam-8e_street-segments.py']
model = dict(student=dict(prompts=dict(hard_point_sampling=True, rounds_per_mask=1)))
