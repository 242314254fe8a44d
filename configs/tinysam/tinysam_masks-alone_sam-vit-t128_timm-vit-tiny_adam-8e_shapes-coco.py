# Ablation row 1: the student trained on the ground-truth masks alone (focal +
# dice + IoU losses, random point and box prompts), no teacher term: a
# distiller without losses records nothing, so the teacher never runs in
# training. It is still built so validation reports its mIoU beside the student's.
_base_ = ['../_base_/distill/sam-vit-t128_timm-vit-tiny_shapes-coco.py']
model = dict(distiller=dict(losses=dict(_delete_=True)))
