# GKD stage 2 at embedded scale: mmseg's EncoderDecoder whose backbone is the
# stage-1 student (the 128-wide, 4-block ViT), frozen (mmkd.FrozenTimmBackbone:
# no gradients, eval mode), and a trained FCN head on the four block outputs
# (8x16 maps, resized and concatenated: 4 x 128 channels). The backbone reads
# the stage-1 student by path: model.backbone.ckpt = <stage-1 work dir>/student_latest.pth
# (tools/train_stages.py sets it); ckpt=None keeps the random initialisation.
model = dict(
    _scope_='mmseg',
    type='EncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=(128, 256)),
    backbone=dict(type='mmkd.FrozenTimmBackbone', arch='vit_small_patch16_224',
                  arch_cfg=dict(img_size=(128, 256), embed_dim=128, depth=4, num_heads=4),
                  out_indices=(0, 1, 2, 3), norm=True, ckpt=None, ckpt_prefix='backbone.', frozen=True),
    decode_head=dict(type='FCNHead', in_channels=[128] * 4, in_index=(0, 1, 2, 3), input_transform='resize_concat',
                     channels=128, num_convs=2, concat_input=False, dropout_ratio=0.1, num_classes=19,
                     norm_cfg=dict(type='BN', requires_grad=True), align_corners=False,
                     loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
