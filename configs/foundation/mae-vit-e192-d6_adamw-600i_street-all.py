# The project's stand-in for a vision foundation model (no DINOv2/EVA02
# weights can be downloaded here): a ViT (192 wide, 6 blocks, patch 16 at
# 128x256) pre-trained with MAE (mmkd.MAEPretrainer, mask ratio 0.75) on the
# unlabeled training images of *every* street domain (synthetic, photo-textured,
# night, fog: 800 images) under strong photometric and scale augmentation,
# the way real foundation models saw web images of every style. No label map
# is read. Its encoder is the GKD teacher (FoundationTeacher(...,
# checkpoint=<work dir>/iter_600.pth, checkpoint_prefix='encoder.')).
# Users with real foundation weights skip this step.
_base_ = ['../_base_/datasets/street_dg.py', '../_base_/schedules/adamw_800_iters_distill.py',
          '../_base_/iter_runtime.py']
clip_mean = [122.7709383, 116.7460125, 104.09373615]
clip_std = [68.5005327, 66.6321579, 70.3231630]
model = dict(type='mmkd.MAEPretrainer', arch='vit_small_patch16_224',
             arch_cfg=dict(img_size=(128, 256), embed_dim=192, depth=6, num_heads=3), mask_ratio=0.75,
             decoder_dim=128, decoder_depth=2, decoder_heads=4,
             data_preprocessor=dict(type='ImgDataPreprocessor', mean=clip_mean, std=clip_std, bgr_to_rgb=True))
pool_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResize', scale=(256, 128), ratio_range=(1.0, 2.0), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=(128, 256)),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=16,
    dataset=dict(_delete_=True, type='ConcatDataset', datasets=[
        dict(type='mmseg.CityscapesDataset', data_root={{_base_.data_root}}, pipeline=pool_pipeline,
             data_prefix=dict(img_path=f'{domain}/leftImg8bit/train', seg_map_path=f'{domain}/gtFine/train'))
        for domain in ('synthetic', 'photo', 'night', 'fog')]))
max_iters = 600
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=50, end=max_iters),
]
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(checkpoint=dict(interval=max_iters))
val_dataloader = val_evaluator = val_cfg = test_dataloader = test_evaluator = test_cfg = None
