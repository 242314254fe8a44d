# DeepLabV3 R50-w16 teacher -> DeepLabV3 R18-w8 student on the embedded
# Cityscapes-layout set, same schedule as the student alone.
_base_ = [
    '../datasets/shapes_cityscapes.py',
    '../schedules/adamw_20e_seg.py',
    '../seg_runtime.py',
]
# recorder sets the method configs share (children use them as _base_ variables)
seg_logits_recorders = dict(logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'))
teacher_ckpt = 'work_dirs/deeplabv3-r50-w16_adamw-20e_shapes-cityscapes/epoch_20.pth'
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path='{{fileDirname}}/../models/deeplabv3_r18-w8-d8_shapes.py'),
    teacher=dict(cfg_path='{{fileDirname}}/../models/deeplabv3_r50-w16-d8_shapes.py', ckpt=teacher_ckpt),
    distiller=dict(type='ConfigurableDistiller'))
custom_hooks = [dict(type='mmkd.StudentCheckpointHook'),
                dict(type='mmkd.TeacherCacheHook')]  # opens model.teacher_cache when set
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
