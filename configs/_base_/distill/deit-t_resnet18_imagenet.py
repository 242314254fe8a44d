# OFA-KD's ImageNet-1k pair (README example): DeiT-T teacher -> ResNet-18 student,
# eps 1.5. The teacher's ImageNet weights come from its model file (pretrained_file).
_base_ = [
    '../datasets/imagenet_classification.py',
    '../schedules/sgd_100e_imagenet.py',
    '../default_runtime.py',
    '../models/timm_stage_taps_224px.py',
]
num_classes = 1000
student_taps, teacher_taps = _base_.stage_taps['resnet18'], _base_.stage_taps['deit-t']
student_stage_recorders = _base_.stage_recorders['resnet18']
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path='{{fileDirname}}/../models/timm_resnet18_imagenet.py'),
    teacher=dict(cfg_path='{{fileDirname}}/../models/timm_deit-t_imagenet.py'),
    distiller=dict(type='ConfigurableDistiller', student_recorders=_base_.logits_recorders,
                   teacher_recorders=_base_.logits_recorders))
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
