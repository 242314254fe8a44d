# GKD stage 2 (task learning), F2F student: the stage-1 ViT student frozen, an
# FCN head trained on the source domain (synthetic) of the street DG
# benchmark, evaluated on every domain (DomainIoUMetric: <domain>_mIoU and
# target_mIoU over photo / night / fog). Give the stage-1 student with
#   --cfg-options model.backbone.ckpt=<stage-1 work dir>/student_latest.pth
# (tools/train_stages.py does); the same config evaluates the teacher with the
# same head (see configs/gkd/README.md) and the student alone (ckpt=None).
_base_ = ['../_base_/models/gkd_frozen-vit-e128-d4_fcn_street.py', '../_base_/datasets/street_dg.py',
          '../_base_/schedules/adamw_800_iters_seg.py', '../_base_/iter_runtime.py']
default_hooks = dict(checkpoint=dict(interval=800))
