# Embedded classification set: 32 px object crops, 16 classes (8 outlines x warm/cool
# palette), class-per-folder layout, generated offline by
# `python tools/data/generate_embedded.py --cls-only` into data/shapes_classification/.
# Any other class-per-folder set at 32 px (e.g. CIFAR-100 exported to PNG folders)
# works by changing data_root (`--cfg-options data_root=...`); then drop `classes`
# (the sorted folder names become the classes) and set the models' num_classes.
dataset_type = 'mmkd.ImageFolderDataset'
data_root = 'data/shapes_classification/'
classes = (
    'circle_warm', 'circle_cool', 'square_warm', 'square_cool', 'triangle_warm', 'triangle_cool',
    'star_warm', 'star_cool', 'cross_warm', 'cross_cool', 'ring_warm', 'ring_cool',
    'diamond_warm', 'diamond_cool', 'hexagon_warm', 'hexagon_cool')
metainfo = dict(classes=classes)
image_size = 32

# Light augmentation (zoom in up to 25 %, random crop, horizontal flip), the same
# for teachers and students; mmcv's transforms plus mmdet's RandomCrop (image only).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResize', scale=(image_size, image_size), ratio_range=(1.0, 1.25), keep_ratio=True),
    dict(type='mmdet.RandomCrop', crop_size=(image_size, image_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmkd.PackClsInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
    dict(type='mmkd.PackClsInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path='train'),
                 metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=200,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path='val'),
                 metainfo=metainfo, pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(type='mmkd.TopKAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
