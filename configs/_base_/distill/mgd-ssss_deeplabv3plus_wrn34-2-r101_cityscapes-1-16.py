# MGD-SSSS on real Cityscapes at 1/16 labels with the paper's teachers: a
# DeepLabV3+ "Wide-ResNet-34-2" (what the paper's code builds under that
# name: the Bottleneck [3, 4, 6, 3] ResNet with doubled inner width, timm's
# wide_resnet50_2, through mmseg's TIMMBackbone) and a DeepLabV3+ ResNet-101,
# both trained semi-supervised on the same partition and loaded from
# checkpoints/ in mmseg's key layout. Student and supervised loss (OHEM CE,
# thresh 0.7, 50000 pixels kept per image at least) as in the paper.
_base_ = [
    '../datasets/cityscapes_semi-1-16.py',
    '../schedules/sgd_24k_semi-seg.py',
    '../iter_runtime.py',
]
ohem_head = dict(sampler=dict(type='OHEMPixelSampler', thresh=0.7, min_kept=50000),
                 loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0, avg_non_ignore=True))
teacher_ckpts = dict(wide='checkpoints/mgd-ssss_deeplabv3plus-wrn34-2_cityscapes-1-16.pth',
                     deep='checkpoints/mgd-ssss_deeplabv3plus-r101_cityscapes-1-16.pth')
model = dict(
    type='mmkd.MultiTeacherDistill',
    data_preprocessor={{_base_.semi_data_preprocessor}},
    student=dict(cfg_path='mmseg::deeplabv3plus/deeplabv3plus_r18-d8_4xb2-80k_cityscapes-512x1024.py',
                 decode_head=ohem_head, auxiliary_head=None),
    teachers=dict(
        wide=dict(cfg_path='mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py',
                  pretrained=None,  # the teacher checkpoint holds every weight
                  backbone=dict(_delete_=True, type='TIMMBackbone', model_name='wide_resnet50_2',
                                features_only=True, pretrained=False, output_stride=8, out_indices=(1, 2, 3, 4)),
                  auxiliary_head=None, ckpt=teacher_ckpts['wide'], inputs=dict(type='CutMixSourcesInput')),
        deep=dict(cfg_path='mmseg::deeplabv3plus/deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024.py',
                  auxiliary_head=None, ckpt=teacher_ckpts['deep'], inputs=dict(type='CutMixSourcesInput'))),
    distiller=dict(type='MultiGranularityDistiller', teachers=['wide', 'deep'], image_teacher='deep',
                   region_teacher='wide'))
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
