# OADP paper setting on OV-COCO (48 base / 17 novel; paper: 35.6 novel AP50):
# Faster R-CNN R50-FPN student, CLIP ViT-B/32 teacher through its OAKE cache
# (tools/extract_oake_features.py --clip-model ViT-B-32 --clip-ckpt <local file>
#  --block-size 224 --block-stride 112 --data-root data/coco
#  --ann-file annotations/instances_train2017_ov-coco_train.json --ov-split coco),
# the full pyramid with OADP's weights and warm-ups, 8 GPUs x 2 images, 40k iterations.
_base_ = [
    '../_base_/datasets/coco_ov.py',
    '../_base_/schedules/sgd_40k_det.py',
    '../_base_/det_runtime.py',
    '../_base_/distill/oadp_pyramid.py',
]
embed_dim = 512
fpn_channels = 256
model = dict(
    student=dict(cfg_path='{{fileDirname}}/../_base_/models/faster-rcnn_r50_fpn_vild-ensemble_ov-coco.py',
                 cfg_options={'roi_head.bbox_head.class_names': {{_base_.classes}}}),
    distiller=dict(
        cache_dir='work_dirs/oake_cache/ViT-B-32_coco',
        block_head=dict(in_channels=fpn_channels, fc_out_channels=1024, embed_dim=embed_dim),
        global_head=dict(in_channels=fpn_channels, embed_dim=embed_dim)))
# OADP: the detection head learns at half the learning rate
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'student.roi_head.bbox_head': dict(lr_mult=0.5)}))
custom_hooks = [
    dict(type='mmkd.StudentCheckpointHook'),
    dict(type='mmkd.DistillLossWeightScheduleHook', schedules={
        'object': dict(warmup=200), 'block': dict(warmup=200), 'block_multilabel': dict(warmup=1000),
        'global_mse': dict(warmup=200), 'global_multilabel': dict(warmup=2000)}),
]
# at iteration 0 every warm-up factor is 0, so the pyramid heads get no gradient in that step
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
train_dataloader = dict(batch_size=2)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=2000))
log_processor = dict(by_epoch=False)
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='never')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='never')
