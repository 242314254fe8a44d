# Semi-supervised loading of the embedded Cityscapes-layout set at 1/16:
# each index gives one labeled sample and two unlabeled ones (u0, u1) of the
# split files' partitions (mmkd.SemiSupervisedDataset); the algorithm's
# data preprocessor (mmkd.SemiSupervisedSegDataPreProcessor) mixes u0 and u1
# with CutMix boxes. batch_size counts labeled samples: each iteration loads
# batch_size labeled and 2 x batch_size unlabeled images, as in CPS / MGD-SSSS.
_base_ = ['./shapes_cityscapes_labeled-1-16.py']

# unlabeled images: the same geometric augmentation, labels never loaded
# (cat_max_ratio=1: the crop needs no label map)
unlabeled_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(1.0, 1.5), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=1.0),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='mmkd.SemiSupervisedDataset',
        labeled=dict(type='mmkd.SplitCityscapesDataset', split_file={{_base_.labeled_split}},
                     data_root={{_base_.data_root}},
                     data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
                     pipeline={{_base_.train_pipeline}}),
        unlabeled=dict(type='mmkd.SplitCityscapesDataset', split_file={{_base_.unlabeled_split}},
                       data_root={{_base_.data_root}},
                       data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
                       pipeline=unlabeled_pipeline)))
# the algorithm's preprocessor: normalises the labeled and both unlabeled
# batches and mixes the unlabeled ones with CutMix boxes (3 boxes, area 0.25-0.5)
semi_data_preprocessor = dict(
    type='mmkd.SemiSupervisedSegDataPreProcessor',
    num_boxes=3,
    area_range=(0.25, 0.5),
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size={{_base_.crop_size}})
