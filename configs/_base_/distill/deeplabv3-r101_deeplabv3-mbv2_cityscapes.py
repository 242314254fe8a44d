# The papers' Cityscapes segmentation pair (ACAM-KD, and the usual CWD/MGD
# setting): DeepLabV3 R101-D8 teacher -> DeepLabV3 MobileNetV2-D8 student, both
# mmseg's own configs, mmseg's 80k-iteration SGD schedule, 512x1024 crops.
# The teacher checkpoint is mmseg's model-zoo file, downloaded by the user to
# checkpoints/; the student's backbone initialises from mmseg's ImageNet
# MobileNetV2 (open-mmlab:// URL in mmseg's config).
_base_ = [
    '../datasets/cityscapes.py',
    '../schedules/sgd_80k_seg.py',
    '../seg_runtime.py',
]
# last backbone stage: R101-D8 layer4 (2048 ch), MobileNetV2 layer7 (320 ch); both 1/8 resolution
teacher_c5 = dict(c5=dict(type='ModuleOutputs', source='backbone.layer4'))
student_c5 = dict(c5=dict(type='ModuleOutputs', source='backbone.layer7'))
teacher_ckpt = 'checkpoints/deeplabv3_r101-d8_512x1024_80k_cityscapes_20200606_113503-9e428899.pth'
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path='mmseg::mobilenet_v2/mobilenet-v2-d8_deeplabv3_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(cfg_path='mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py',
                 ckpt=teacher_ckpt),
    distiller=dict(type='ConfigurableDistiller'))
default_hooks = dict(logger=dict(interval=50, log_metric_by_epoch=False),
                     checkpoint=dict(by_epoch=False, interval=8000))
log_processor = dict(by_epoch=False)
custom_hooks = [dict(type='mmkd.StudentCheckpointHook'),
                dict(type='mmkd.TeacherCacheHook')]  # opens model.teacher_cache when set
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
