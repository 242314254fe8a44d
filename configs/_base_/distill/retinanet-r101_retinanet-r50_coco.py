# The papers' COCO detection pair (FGD, MGD, ACAM-KD): RetinaNet R101 teacher ->
# RetinaNet R50 student, both mmdet's own configs, mmdet's 2x SGD schedule.
# The teacher checkpoint is mmdet's model-zoo file, downloaded by the user to
# checkpoints/ (no download happens here); the student's backbone initialises
# from torchvision's ImageNet ResNet-50, as in mmdet's config.
_base_ = [
    '../datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_2x.py',
    '../det_runtime.py',
]
fpn_recorders = dict(fpn=dict(type='ModuleOutputs', source='neck'))  # 5 levels, 256 channels
teacher_ckpt = 'checkpoints/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth'
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path='mmdet::retinanet/retinanet_r50_fpn_2x_coco.py'),
    teacher=dict(cfg_path='mmdet::retinanet/retinanet_r101_fpn_2x_coco.py', ckpt=teacher_ckpt),
    distiller=dict(type='ConfigurableDistiller'))
custom_hooks = [dict(type='mmkd.StudentCheckpointHook'),
                dict(type='mmkd.TeacherCacheHook')]  # opens model.teacher_cache when set
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
