# Cityscapes semantic segmentation (19 classes, train ids), expected in the
# standard layout under data_root after Cityscapes' createTrainIdLabelImgs:
#   leftImg8bit/{train,val}/<city>/*_leftImg8bit.png
#   gtFine/{train,val}/<city>/*_gtFine_labelTrainIds.png
# Mirrors mmseg 1.x's configs/_base_/datasets/cityscapes.py with mmseg's
# types scoped (`mmseg.`), so it builds under the mmkd default scope as well;
# mmcv/mmengine types (LoadImageFromFile, RandomResize, DefaultSampler) stay
# unscoped: they live in the root registries, which every scope falls back to.
dataset_type = 'mmseg.CityscapesDataset'
data_root = 'data/cityscapes/'
image_scale = (2048, 1024)  # (long, short) edge
crop_size = (512, 1024)  # (height, width)
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='RandomResize', scale=image_scale, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmseg.Resize', scale=image_scale, keep_ratio=True),
    # annotations are loaded after Resize: metrics use the original label map
    # bare type name, built in mmseg's scope: MMSegInferencer drops 'LoadAnnotations' by that name
    dict(type='LoadAnnotations', _scope_='mmseg'),
    dict(type='mmseg.PackSegInputs'),
]

# DefaultSampler (not mmseg's InfiniteSampler) works with epoch- and
# iteration-based loops alike.
train_dataloader = dict(
    batch_size=2,
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
    batch_size=1,
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
