# Semi-supervised loading of real Cityscapes at 1/16 labels (2975 training
# images: 186 labeled, 2789 unlabeled), with the published CPS / MGD-SSSS
# split files copied to data/cityscapes/subset_train/
# (train_aug_labeled_1-16.txt, train_aug_unlabeled_1-16.txt). Crops of
# 800x800 as in MGD-SSSS; batch_size counts labeled samples (each also
# brings two unlabeled ones).
_base_ = ['./cityscapes.py']

crop_size = (800, 800)
labeled_split = 'subset_train/train_aug_labeled_1-16.txt'
unlabeled_split = 'subset_train/train_aug_unlabeled_1-16.txt'
labeled_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
unlabeled_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=1.0),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2,
    drop_last=True,
    dataset=dict(
        _delete_=True,
        type='mmkd.SemiSupervisedDataset',
        labeled=dict(type='mmkd.SplitCityscapesDataset', split_file=labeled_split, data_root={{_base_.data_root}},
                     data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
                     pipeline=labeled_pipeline),
        unlabeled=dict(type='mmkd.SplitCityscapesDataset', split_file=unlabeled_split,
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
    size=crop_size)
