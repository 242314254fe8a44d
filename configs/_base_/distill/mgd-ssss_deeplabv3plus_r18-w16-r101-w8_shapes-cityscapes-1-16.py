# MGD-SSSS (Qin et al., ECCV 2022) on the embedded Cityscapes-layout set at
# 1/16 labels: two structurally complementary frozen teachers, a wide-shallow
# DeepLabV3+ R18-w16 ('wide', the paper's Wide-ResNet-34-2 role) and a
# deep-narrow DeepLabV3+ R101-w8 ('deep', the ResNet-101 role), both trained
# semi-supervised on the same partition first (configs/mgd_ssss/README.md).
# Every iteration: a labeled batch x_l and two unlabeled batches u0, u1; the
# preprocessor mixes u0/u1 with CutMix boxes; the student trains on
# [x_l; u_mix] (OHEM CE on x_l), each teacher sees [x_l; u_mix; u0; u1]
# (CutMixSourcesInput) and MultiGranularityDistiller wires the pixel-, image-
# and region-level losses.
_base_ = [
    '../datasets/shapes_cityscapes_semi-1-16.py',
    '../schedules/adamw_500-iter_seg.py',
    '../iter_runtime.py',
]
teacher_ckpts = dict(
    wide='work_dirs/mgd-ssss_self-train_deeplabv3plus-r18-w16_deeplabv3plus-r18-w16_adamw-500i_shapes-cityscapes-1-16/'
         'student_iter_500.pth',
    deep='work_dirs/mgd-ssss_self-train_deeplabv3plus-r101-w8_deeplabv3plus-r101-w8_adamw-500i_shapes-cityscapes-1-16/'
         'student_iter_500.pth')
model = dict(
    type='mmkd.MultiTeacherDistill',
    data_preprocessor={{_base_.semi_data_preprocessor}},
    student=dict(cfg_path='{{fileDirname}}/../models/deeplabv3plus_r18-w8_shapes.py'),
    teachers=dict(
        wide=dict(cfg_path='{{fileDirname}}/../models/deeplabv3plus_r18-w16_shapes.py', ckpt=teacher_ckpts['wide'],
                  inputs=dict(type='CutMixSourcesInput')),
        deep=dict(cfg_path='{{fileDirname}}/../models/deeplabv3plus_r101-w8_shapes.py', ckpt=teacher_ckpts['deep'],
                  inputs=dict(type='CutMixSourcesInput'))),
    distiller=dict(type='MultiGranularityDistiller', teachers=['wide', 'deep'], image_teacher='deep',
                   region_teacher='wide'))
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
