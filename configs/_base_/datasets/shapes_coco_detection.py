# Embedded shapes detection set (COCO 2017 layout), generated offline by
# `python tools/data/generate_embedded.py --out data/` into data/shapes_coco/.
# Inherits the real COCO config; only data_root, classes, image size and batch
# size differ. (Variables of the base are resolved there, so each dataset that
# uses them is overridden explicitly below.)
_base_ = ['./coco_detection.py']

data_root = 'data/shapes_coco/'
classes = ('circle', 'square', 'triangle', 'star', 'cross', 'ring', 'diamond', 'hexagon')
metainfo = dict(classes=classes)
image_size = (128, 128)

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.Resize', scale=image_size, keep_ratio=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='mmdet.Resize', scale=image_size, keep_ratio=True),
    # annotations are loaded after Resize: boxes stay in original coordinates
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]

train_dataloader = dict(
    batch_size=8,
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator
