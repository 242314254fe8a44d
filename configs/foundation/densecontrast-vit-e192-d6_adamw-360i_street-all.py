# The project's second, stronger stand-in for a vision foundation model: the
# same ViT (192 wide, 6 blocks, patch 16 at 128x256), started from the MAE
# run (mae-vit-e192-d6_adamw-600i_street-all.py) and trained with a dense
# contrastive objective across views and styles (mmkd.DenseContrastPretrainer):
# a patch's features must find the same place in another, zoomed and shifted
# view, drawn from the same frame rendered in another style (mmkd.LoadStyleTwin)
# under colour / low-light / haze / blur / noise shifts, against every other
# place of the batch; plus a global InfoNCE on the class tokens. Unlabeled
# training images of all four street domains (800 images); no label map is
# read. Why: frozen MAE features made the worst frozen-backbone row (see
# configs/gkd/README.md); joint-embedding invariance is what makes DINOv2-like
# frozen features robust. Its encoder is the GKD teacher
# (FoundationTeacher(..., checkpoint=<work dir>/iter_600.pth, checkpoint_prefix='encoder.')).
# Users with real foundation weights skip this step.
_base_ = ['./mae-vit-e192-d6_adamw-600i_street-all.py']
styles = ('synthetic', 'photo', 'night', 'fog')
model = dict(_delete_=True, type='mmkd.DenseContrastPretrainer', arch='vit_small_patch16_224',
             arch_cfg=dict(img_size=(128, 256), embed_dim=192, depth=6, num_heads=3),
             local_size=(64, 128), num_local=2, global_area=(0.4, 1.0), local_area=(0.1, 0.35), points=16,
             temperature=0.2, global_weight=0.5,
             init_ckpt='work_dirs/mae-vit-e192-d6_adamw-600i_street-all/iter_600.pth', init_prefix='encoder.',
             data_preprocessor=dict(type='ImgDataPreprocessor'))
pool_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmkd.LoadStyleTwin', styles=styles, prob=1.0),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=16,
    dataset=dict(datasets=[
        dict(type='mmseg.CityscapesDataset', data_root={{_base_.data_root}}, pipeline=pool_pipeline,
             data_prefix=dict(img_path=f'{style}/leftImg8bit/train', seg_map_path=f'{style}/gtFine/train'))
        for style in styles]))
optim_wrapper = dict(optimizer=dict(lr=5e-4))
# 360 iterations of batch 16 (about 25 min on one CPU thread, after the MAE run's 600)
max_iters = 360
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=30, end=max_iters),
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
