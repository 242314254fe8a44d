# TinySAM (full-stage distillation, hard prompt sampling with one round's prompt per
# mask, hard mask weighting) on the full-coverage street segments, for the
# segment-everything benchmark:
#   python benchmarks/sam_everything.py --config THIS --checkpoint work_dirs/<run>/student_epoch_8.pth
_base_ = ['./tinysam_kd-hps_sam-vit-t128_timm-vit-tiny_adam-8e_street-segments.py']
model = dict(distiller=dict(losses=dict(loss_output=dict(hard_mask_weighting=True))))
