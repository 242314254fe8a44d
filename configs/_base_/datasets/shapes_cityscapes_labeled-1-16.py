# The labeled 1/16 partition of the embedded Cityscapes-layout set, alone:
# what a supervised-only baseline (or a teacher's first stage) trains on.
# Split files (CPS / MGD-SSSS format) are written with the data by
# `python tools/data/generate_embedded.py --out data/ --seg-only`.
_base_ = ['./shapes_cityscapes.py']

split_dir = 'subset_train/'
labeled_split = split_dir + 'train_aug_labeled_1-16.txt'
unlabeled_split = split_dir + 'train_aug_unlabeled_1-16.txt'

# Training crops of 64x128 (a quarter of an image) keep a semi-supervised step,
# with its two teachers on four views, well under a second on one CPU thread;
# validation stays on the full 128x256 images.
crop_size = (64, 128)
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='RandomResize', scale={{_base_.image_scale}}, ratio_range=(1.0, 1.5), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
# drop_last: 13 labeled images would leave a batch of 1, which BatchNorm
# (the ASPP image pooling) cannot train on
# One loader worker: a run takes about one CPU core (these runs share a small machine).
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    drop_last=True,
    dataset=dict(type='mmkd.SplitCityscapesDataset', split_file=labeled_split, pipeline=train_pipeline))
