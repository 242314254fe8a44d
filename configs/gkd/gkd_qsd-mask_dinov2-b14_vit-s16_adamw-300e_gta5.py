# GKD stage 1 in the paper's F2F setting (Lv et al., CVPR 2026): DINOv2-B/14
# teacher -> ViT-S/16 (DeiT-S) student, domain-agnostic distillation on GTA5
# images without labels at 512x512, QSD heads + masked view (0.5 / 0.5),
# AdamW lr 5e-4 x (batch / 512) with batch 32 x 4 GPUs, weight decay 0.05,
# cosine to 1e-5, 300 epochs. The teacher's official torch.hub weights
# (dinov2_vitb14_pretrain.pth) load strictly through timm's converter, which
# resamples the patch embedding to 16 px and the position embedding to 512 px
# (the reference's --domain-distillation does the same), so teacher and student
# share a 32x32 grid. Real data and weights are needed to train; the config
# builds without them.
_base_ = ['../_base_/datasets/gta5_dg.py', '../_base_/default_runtime.py']
imagenet_mean = [123.675, 116.28, 103.53]
imagenet_std = [58.395, 57.12, 57.375]
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResize', scale=(1280, 720), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=(512, 512)),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(batch_size=32, num_workers=8, dataset=dict(pipeline=unlabeled_pipeline))
val_dataloader = val_evaluator = val_cfg = test_dataloader = test_evaluator = test_cfg = None

model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(type='mmkd.MaskedTokenStudent', arch='deit_small_patch16_224', arch_cfg=dict(img_size=512),
                 mask_sample_ratio=0.5, mask_patch_ratio=0.5,
                 data_preprocessor=dict(type='ImgDataPreprocessor', mean=imagenet_mean, std=imagenet_std,
                                        bgr_to_rgb=True)),
    teacher=dict(type='mmkd.FoundationTeacher', name='dinov2_vitb14', arch_cfg=dict(img_size=512, patch_size=16),
                 checkpoint='checkpoints/dinov2_vitb14_pretrain.pth', mean=imagenet_mean, std=imagenet_std,
                 inputs=dict(type='RenormalizedInput', student_mean=imagenet_mean, student_std=imagenet_std)),
    distiller=dict(type='mmkd.GKDDistiller', student_channels=384, teacher_channels=768, num_patches=32 * 32))

max_epochs = 300
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=5e-4 * 32 * 4 / 512, weight_decay=0.05))
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=0, end=max_epochs,
                        convert_to_iter_based=True)]
auto_scale_lr = dict(enable=False, base_batch_size=128)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=2))
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
