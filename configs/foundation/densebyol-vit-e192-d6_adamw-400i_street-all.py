# The project's second, stronger stand-in for a vision foundation model: the
# same ViT (192 wide, 6 blocks, patch 16 at 128x256), started from the MAE
# run (mae-vit-e192-d6_adamw-600i_street-all.py) and trained with dense
# self-distillation across views and styles (mmkd.DenseBYOLPretrainer, BYOL
# per place): the online encoder's features of a zoomed, shifted, strongly
# photometrically shifted view (colour / low light / haze / blur / noise),
# mostly drawn from the same frame rendered in another style
# (mmkd.LoadStyleTwin), must predict the EMA target encoder's features at the
# same places of a mildly shifted view. Unlabeled training images of all four
# street domains (800 images); no label map is read. Why: frozen MAE features
# made the worst frozen-backbone row (configs/gkd/README.md); joint-embedding
# invariance is what makes DINOv2-like frozen features robust. Its (online)
# encoder is the GKD teacher (FoundationTeacher(..., checkpoint=<work dir>/iter_400.pth,
# checkpoint_prefix='encoder.')). Users with real foundation weights skip this step.
_base_ = ['./mae-vit-e192-d6_adamw-600i_street-all.py']
styles = ('synthetic', 'photo', 'night', 'fog')
model = dict(_delete_=True, type='mmkd.DenseBYOLPretrainer', arch='vit_small_patch16_224',
             arch_cfg=dict(img_size=(128, 256), embed_dim=192, depth=6, num_heads=3),
             num_local=1, global_area=(0.5, 1.0), local_area=(0.25, 0.7), points=32, momentum=0.99,
             # the target view mildly shifted (colour only), the online view with every shift
             global_shift=dict(jitter_prob=0.5, low_light_prob=0.0, haze_prob=0.0, blur_prob=0.0, noise_prob=0.0),
             init_ckpt='work_dirs/mae-vit-e192-d6_adamw-600i_street-all/iter_600.pth', init_prefix='encoder.',
             data_preprocessor=dict(type='ImgDataPreprocessor'))
pool_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmkd.LoadStyleTwin', styles=styles, prob=0.75),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=16,
    dataset=dict(datasets=[
        dict(type='mmseg.CityscapesDataset', data_root={{_base_.data_root}}, pipeline=pool_pipeline,
             data_prefix=dict(img_path=f'{style}/leftImg8bit/train', seg_map_path=f'{style}/gtFine/train'))
        for style in styles]))
optim_wrapper = dict(optimizer=dict(lr=3e-4))
# 400 iterations of batch 16 (about 25 min on one shared CPU thread), after the MAE run's 600
max_iters = 400
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=20, end=max_iters),
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
