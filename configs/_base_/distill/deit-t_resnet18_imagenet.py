# OFA-KD's ImageNet-1k pair (README example): DeiT-T teacher -> ResNet-18 student,
# eps 1.5. The teacher's ImageNet weights come from its model file (pretrained_file).
_base_ = [
    '../datasets/imagenet_classification.py',
    '../schedules/sgd_100e_imagenet.py',
    '../default_runtime.py',
    '../models/timm_stage_taps_224px.py',
]
num_classes = 1000
student_taps = _base_.stage_taps['resnet18']
teacher_taps = _base_.stage_taps['deit-t']
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path='{{fileDirname}}/../models/timm_resnet18_imagenet.py'),
    teacher=dict(cfg_path='{{fileDirname}}/../models/timm_deit-t_imagenet.py'),
    distiller=dict(type='ConfigurableDistiller'))
logits_recorders = dict(logits=dict(type='ModuleOutputs', source='model'))
student_stage_recorders = {f'stage{i}': dict(type='ModuleOutputs', source=tap['source'])
                           for i, tap in enumerate(student_taps, 1)}
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
