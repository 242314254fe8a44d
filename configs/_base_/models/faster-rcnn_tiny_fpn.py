# A two-stage Faster R-CNN sized for CPU training on the embedded shapes set
# (128 px), inheriting mmdet's own Faster R-CNN FPN config and shrinking it:
# from-scratch narrow ResNet (no download), 64-channel FPN on strides 8-128,
# one 24 px anchor scale (the objects are 12-60 px), fewer proposals and RoIs.
_base_ = ['mmdet::_base_/models/faster-rcnn_r50_fpn.py']
num_classes = 8
model = dict(
    _scope_='mmdet',  # build the whole model in mmdet's registry
    backbone=dict(depth=18, base_channels=16, out_indices=(1, 2, 3), frozen_stages=-1,
                  norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[32, 64, 128], out_channels=64, num_outs=5),
    rpn_head=dict(in_channels=64, feat_channels=64,
                  anchor_generator=dict(scales=[3], strides=[8, 16, 32, 64, 128])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64, featmap_strides=[8, 16, 32, 64]),
        bbox_head=dict(in_channels=64, fc_out_channels=256, num_classes=num_classes)),
    train_cfg=dict(rpn_proposal=dict(nms_pre=1000, max_per_img=300),
                   rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=100)))
