# Heterogeneous pair on the embedded classification set: transformer teacher (small
# Swin, `classification/swin-w48_adamw-100e_shapes-cls.py`, 100 epochs) -> CNN student
# (ResNet-18 at half width). Method configs inherit this file and add a distiller.
_base_ = ['./timm-pair_shapes-cls.py']
student_taps, teacher_taps = _base_.stage_taps['resnet18-w32'], _base_.stage_taps['swin-w48']
student_stage_recorders = _base_.stage_recorders['resnet18-w32']
model = dict(student=dict(cfg_path='{{fileDirname}}/../models/timm_resnet18-w32_32px.py'),
             teacher=dict(cfg_path='{{fileDirname}}/../models/timm_swin-w48_32px.py',
                          ckpt='work_dirs/swin-w48_adamw-100e_shapes-cls/epoch_100.pth'))
