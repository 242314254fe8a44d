# GKD stage 2 in the paper's setting: the stage-1 ViT-S/16 student frozen,
# features of blocks 3, 5, 7, 11 (4 x 384 channels at 1/16), a decode head
# trained on GTA5 for 40k iterations (AdamW lr 1e-4, weight decay 0.05, poly
# 0.9, batch 4, 512 crops), evaluated on Cityscapes / BDD100K / Mapillary
# (cityscapes_mIoU, bdd100k_mIoU, mapillary_mIoU, target_mIoU). The paper
# trains a Mask2Former head (Rein's codebase); an mmseg UPerHead stands in
# here. The student is read from stage 1 by path:
#   --cfg-options model.backbone.ckpt=work_dirs/<stage-1 run>/student_latest.pth
_base_ = ['../_base_/datasets/gta5_dg.py', '../_base_/default_runtime.py']
model = dict(
    _scope_='mmseg',
    type='EncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=(512, 512)),
    backbone=dict(type='mmkd.FrozenTimmBackbone', arch='deit_small_patch16_224', arch_cfg=dict(img_size=512),
                  out_indices=(3, 5, 7, 11), norm=True,
                  ckpt='work_dirs/gkd_qsd-mask_dinov2-b14_vit-s16_adamw-300e_gta5/student_latest.pth',
                  ckpt_prefix='backbone.', frozen=True),
    decode_head=dict(type='UPerHead', in_channels=[384] * 4, in_index=(0, 1, 2, 3), pool_scales=(1, 2, 3, 6),
                     channels=256, dropout_ratio=0.1, num_classes=19, norm_cfg=dict(type='SyncBN', requires_grad=True),
                     align_corners=False,
                     loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(341, 341)))
max_iters = 40000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05))
param_scheduler = [dict(type='PolyLR', eta_min=0, power=0.9, by_epoch=False, begin=0, end=max_iters)]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=4000, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
