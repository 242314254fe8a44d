# Teacher RetinaNet R50-w16 -> student RetinaNet R18-w8 on the embedded shapes set,
# same data and schedule as the student trained alone. Children add a distiller.
_base_ = [
    '../datasets/shapes_coco_detection.py',
    '../schedules/adamw_12e.py',
    '../det_runtime.py',
]
# recorder sets the method configs share (children use them as _base_ variables)
fpn_recorders = dict(fpn=dict(type='ModuleOutputs', source='neck'))  # tuple of 5 levels
cls_logits_recorders = dict(cls=dict(type='ModuleOutputs', source='bbox_head.retina_cls'))  # one call per level
teacher_ckpt = 'work_dirs/retinanet-r50-w16_adamw-12e_shapes-coco/epoch_12.pth'
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path='{{fileDirname}}/../models/retinanet_r18-w8_fpn_shapes.py'),
    teacher=dict(cfg_path='{{fileDirname}}/../models/retinanet_r50-w16_fpn_shapes.py', ckpt=teacher_ckpt),
    distiller=dict(type='ConfigurableDistiller'))

# a student-only checkpoint beside every full one; validation reports the teacher once
custom_hooks = [dict(type='mmkd.StudentCheckpointHook'),
                dict(type='mmkd.TeacherCacheHook')]  # opens model.teacher_cache when set
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
