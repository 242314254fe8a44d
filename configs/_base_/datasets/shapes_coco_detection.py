# Embedded shapes detection set (COCO 2017 layout), generated offline by
# `python tools/data/generate_embedded.py --out data/` into data/shapes_coco/.
# Same structure as coco_detection.py; only data_root, classes and the image
# size differ.
# Scoping: types registered by mmdet carry `mmdet.`, so the config builds
# under any default scope (mmkd, mmdet); an unscoped `LoadAnnotations` or
# `Resize` would resolve to mmcv's versions outside the mmdet scope, which do
# not handle detection boxes. mmcv's own transforms (LoadImageFromFile) and
# mmengine's samplers stay unscoped: they live in the root registries, which
# every scope falls back to, whereas `mmdet.LoadImageFromFile` fails under the
# mmdet scope itself.
dataset_type = 'mmdet.CocoDataset'
data_root = 'data/shapes_coco/'
classes = ('circle', 'square', 'triangle', 'star', 'cross', 'ring', 'diamond', 'hexagon')
metainfo = dict(classes=classes)
image_size = (128, 128)
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.Resize', scale=image_size, keep_ratio=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmdet.Resize', scale=image_size, keep_ratio=True),
    # annotations are loaded after Resize: boxes stay in original coordinates
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='mmdet.AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='mmdet.CocoMetric',
    ann_file=data_root + 'annotations/instances_val2017.json',
    metric='bbox',
    format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator
