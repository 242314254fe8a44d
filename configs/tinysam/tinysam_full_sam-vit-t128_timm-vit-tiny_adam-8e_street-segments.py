# TinySAM (full-stage distillation, hard prompt sampling, hard mask weighting) on the
# full-coverage street segments, for the segment-everything benchmark:
#   python benchmarks/sam_everything.py --config THIS --checkpoint work_dirs/<run>/student_epoch_8.pth
_base_ = ['../_base_/distill/sam-vit-t128_timm-vit-tiny_street-segments.py']
model = dict(student=dict(prompts=dict(hard_point_sampling=True)),
             distiller=dict(losses=dict(loss_output=dict(hard_mask_weighting=True))))
