# Heterogeneous pair on the embedded classification set: CNN teacher (ResNet-18,
# `classification/resnet18_adamw-30e_shapes-cls.py`, 30 epochs) -> MLP student
# (small ResMLP). Method configs inherit this file and add a distiller.
_base_ = ['./timm-pair_shapes-cls.py']
student_taps, teacher_taps = _base_.stage_taps['resmlp-e96-b4'], _base_.stage_taps['resnet18']
student_stage_recorders = _base_.stage_recorders['resmlp-e96-b4']
model = dict(student=dict(cfg_path='{{fileDirname}}/../models/timm_resmlp-e96-b4_32px.py'),
             teacher=dict(cfg_path='{{fileDirname}}/../models/timm_resnet18_32px.py',
                          ckpt='work_dirs/resnet18_adamw-30e_shapes-cls/epoch_30.pth'))
