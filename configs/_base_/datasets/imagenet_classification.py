# ImageNet-1k in the class-per-folder layout (train/<wnid>/*.JPEG, val/<wnid>/*.JPEG,
# i.e. val after the usual "one folder per synset" step) under data_root. Classes are
# the sorted folder names. mmpretrain's RandomResizedCrop is approximated with mmcv /
# mmdet transforms: a random crop of 35-100 % of each side, resized to 224.
dataset_type = 'mmkd.ImageFolderDataset'
data_root = 'data/imagenet/'
image_size = 224

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmdet.RandomCrop', crop_type='relative_range', crop_size=(0.35, 1.0)),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmkd.PackClsInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(100000, 256), keep_ratio=True),  # short side 256
    dict(type='CenterCrop', crop_size=image_size),
    dict(type='mmkd.PackClsInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path='train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path='val'),
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmkd.TopKAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
