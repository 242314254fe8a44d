# OFA-KD's CIFAR-100 pair (README example): Swin-T teacher (trained on CIFAR-100 at
# 224 px first) -> ResNet-18 student, eps 1.0.
_base_ = [
    '../datasets/cifar100_classification.py',
    '../schedules/sgd_300e_cifar100.py',
    '../default_runtime.py',
    '../models/timm_stage_taps_224px.py',
]
num_classes = 100
student_taps, teacher_taps = _base_.stage_taps['resnet18'], _base_.stage_taps['swin-t']
student_stage_recorders = _base_.stage_recorders['resnet18']
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path='{{fileDirname}}/../models/timm_resnet18_cifar100.py'),
    teacher=dict(cfg_path='{{fileDirname}}/../models/timm_swin-t_cifar100.py', ckpt='checkpoints/swin-t_cifar100.pth'),
    distiller=dict(type='ConfigurableDistiller', student_recorders=_base_.logits_recorders,
                   teacher_recorders=_base_.logits_recorders))
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
