# Embedded street-scene segmentation set (Cityscapes layout, train ids 0..18,
# 255 = ignore), generated offline by
# `python tools/data/generate_embedded.py --out data/` into data/shapes_cityscapes/.
# Inherits the real Cityscapes config at 1/8 of the resolution. (Variables of
# the base are resolved there, so each dataset that uses them is overridden.)
_base_ = ['./cityscapes.py']

data_root = 'data/shapes_cityscapes/'
image_scale = (256, 128)  # (long, short) edge, as the images are generated
crop_size = (128, 256)  # (height, width)

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='mmseg.LoadAnnotations'),
    # zoom in only, then crop back: every training sample is exactly crop_size
    dict(type='RandomResize', scale=image_scale, ratio_range=(1.0, 1.5), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='mmseg.Resize', scale=image_scale, keep_ratio=True),
    # annotations are loaded after Resize: metrics use the original label map
    # bare type name, built in mmseg's scope: MMSegInferencer drops 'LoadAnnotations' by that name
    dict(type='LoadAnnotations', _scope_='mmseg'),
    dict(type='mmseg.PackSegInputs'),
]

train_dataloader = dict(batch_size=8, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=8, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
