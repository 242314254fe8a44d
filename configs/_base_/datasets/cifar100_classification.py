# CIFAR-100 exported to class-per-folder PNGs (train/<class>/*.png, test/<class>/*.png)
# under data_root. As in OFA-KD's CIFAR-100 experiments, the 32 px images are
# upsampled to 224 px so that ImageNet-style architectures (Swin-T, ResNet-18) apply
# unchanged; augmentation is the usual CIFAR shift (zoom up to 25 %, crop) and flip.
dataset_type = 'mmkd.ImageFolderDataset'
data_root = 'data/cifar100/'
image_size = 224

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResize', scale=(32, 32), ratio_range=(1.0, 1.25), keep_ratio=True),
    dict(type='mmdet.RandomCrop', crop_size=(32, 32)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
    dict(type='mmkd.PackClsInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
    dict(type='mmkd.PackClsInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path='train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=dict(img_path='test'),
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmkd.TopKAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
