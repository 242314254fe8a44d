# Heterogeneous pair on the embedded classification set:
# transformer teacher (small Swin) -> CNN student (ResNet-18 at half width).
# Every student variant (alone, KD, DKD, FitNet, OFA) uses the same data and the
# 10-epoch schedule; the teacher is `classification/swin-w48_adamw-100e_shapes-cls.py` (100 epochs).
# Method configs inherit this file and add a distiller built from the stage taps.
_base_ = [
    '../datasets/shapes_classification.py',
    '../schedules/cls_adamw_10e.py',
    '../cls_runtime.py',
    '../models/timm_stage_taps_32px.py',
]
num_classes = 16
teacher_ckpt = 'work_dirs/swin-w48_adamw-100e_shapes-cls/epoch_100.pth'
student_taps = _base_.stage_taps['resnet18-w32']
teacher_taps = _base_.stage_taps['swin-w48']
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path='{{fileDirname}}/../models/timm_resnet18-w32_32px.py'),
    teacher=dict(cfg_path='{{fileDirname}}/../models/timm_swin-w48_32px.py', ckpt=teacher_ckpt),
    distiller=dict(type='ConfigurableDistiller'))

# recorder sets the method configs share: the timm model's output (logits) and its stages
logits_recorders = dict(logits=dict(type='ModuleOutputs', source='model'))
student_stage_recorders = {f'stage{i}': dict(type='ModuleOutputs', source=tap['source'])
                           for i, tap in enumerate(student_taps, 1)}
teacher_stage_recorders = {f'stage{i}': dict(type='ModuleOutputs', source=tap['source'])
                           for i, tap in enumerate(teacher_taps, 1)}

# a student-only checkpoint (no teacher, no branches/regressors) beside every full one
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
