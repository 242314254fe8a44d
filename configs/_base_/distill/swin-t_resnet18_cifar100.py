# OFA-KD's CIFAR-100 pair (README example): Swin-T teacher (trained on CIFAR-100 at
# 224 px first) -> ResNet-18 student, eps 1.0.
_base_ = [
    '../datasets/cifar100_classification.py',
    '../schedules/sgd_300e_cifar100.py',
    '../default_runtime.py',
    '../models/timm_stage_taps_224px.py',
]
num_classes = 100
teacher_ckpt = 'checkpoints/swin-t_cifar100.pth'
student_taps = _base_.stage_taps['resnet18']
teacher_taps = _base_.stage_taps['swin-t']
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path='{{fileDirname}}/../models/timm_resnet18_cifar100.py'),
    teacher=dict(cfg_path='{{fileDirname}}/../models/timm_swin-t_cifar100.py', ckpt=teacher_ckpt),
    distiller=dict(type='ConfigurableDistiller'))
logits_recorders = dict(logits=dict(type='ModuleOutputs', source='model'))
student_stage_recorders = {f'stage{i}': dict(type='ModuleOutputs', source=tap['source'])
                           for i, tap in enumerate(student_taps, 1)}
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
