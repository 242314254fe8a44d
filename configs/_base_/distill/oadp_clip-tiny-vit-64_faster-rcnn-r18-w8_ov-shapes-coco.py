# OADP on the embedded shapes OV split: the ViLD-ensemble Faster R-CNN R18-w8
# student distilled from the small CLIP (mmkd-tiny-vit-64, configs/clip)
# through its OAKE cache (tools/extract_oake_features.py); the CLIP never runs
# in training. Full pyramid here; the ablation configs switch `levels`.
# OADP's warm-ups (200 / 1000 / 2000 of 40k iterations) are shortened for this
# ~540-iteration schedule (50 / 100 / 200).
_base_ = [
    '../datasets/shapes_coco_ov.py',
    '../schedules/adamw_12e.py',
    '../det_runtime.py',
    './oadp_pyramid.py',
]
embed_dim = 128
fpn_channels = 64
model = dict(
    student=dict(cfg_path='{{fileDirname}}/../models/faster-rcnn_r18-w8_fpn_vild-ensemble_shapes-ov.py'),
    distiller=dict(
        cache_dir='work_dirs/oake_cache/mmkd-tiny-vit-64_shapes_coco',
        block_head=dict(in_channels=fpn_channels, fc_out_channels=256, embed_dim=embed_dim),
        global_head=dict(in_channels=fpn_channels, embed_dim=embed_dim)))
custom_hooks = [
    dict(type='mmkd.StudentCheckpointHook'),
    dict(type='mmkd.DistillLossWeightScheduleHook', schedules={
        'object': dict(warmup=50), 'block': dict(warmup=50), 'block_multilabel': dict(warmup=100),
        'global_mse': dict(warmup=50), 'global_multilabel': dict(warmup=200)}),
]
# no live teacher to evaluate: the CLIP is the OAKE cache
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='never')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='never')
