# + online hard prompt sampling with the loss on every round's prompt (1 point, then
# 2, ... up to the final one), as SAM's interactive training takes its loss at every
# click (prompts.rounds_per_mask=None). About 5.5 decoder passes with gradient per
# mask in student and teacher: twice the step time of one round per mask here.
_base_ = ['./tinysam_kd-hps_sam-vit-t128_timm-vit-tiny_adam-8e_shapes-coco.py']
model = dict(student=dict(prompts=dict(rounds_per_mask=None)))
