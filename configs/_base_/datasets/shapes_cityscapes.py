# Embedded street-scene segmentation set (Cityscapes layout, train ids 0..18,
# 255 = ignore), generated offline by
# `python tools/data/generate_embedded.py --out data/` into data/shapes_cityscapes/.
# Same structure as cityscapes.py at 1/8 of the resolution.
# Scoping: types registered by mmseg carry `mmseg.`, so the config builds
# under any default scope (mmkd, mmseg); mmcv/mmengine types
# (LoadImageFromFile, RandomResize, DefaultSampler) stay unscoped: they live
# in the root registries, which every scope falls back to, whereas
# `mmseg.RandomResize` fails under the mmseg scope itself.
dataset_type = 'mmseg.CityscapesDataset'
data_root = 'data/shapes_cityscapes/'
image_scale = (256, 128)  # (long, short) edge, as the images are generated
crop_size = (128, 256)  # (height, width)
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmseg.LoadAnnotations'),
    # zoom in only, then crop back: every training sample is exactly crop_size
    dict(type='RandomResize', scale=image_scale, ratio_range=(1.0, 1.5), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmseg.Resize', scale=image_scale, keep_ratio=True),
    # annotations are loaded after Resize: metrics use the original label map
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]

# DefaultSampler (not mmseg's InfiniteSampler) works with epoch- and
# iteration-based loops alike.
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
