# The labeled 1/16 partition of the embedded Cityscapes-layout set, alone:
# what a supervised-only baseline (or a teacher's first stage) trains on.
# Split files (CPS / MGD-SSSS format) are written with the data by
# `python tools/data/generate_embedded.py --out data/ --seg-only`.
_base_ = ['./shapes_cityscapes.py']

split_dir = 'subset_train/'
labeled_split = split_dir + 'train_aug_labeled_1-16.txt'
unlabeled_split = split_dir + 'train_aug_unlabeled_1-16.txt'

train_dataloader = dict(
    batch_size=4,
    dataset=dict(type='mmkd.SplitCityscapesDataset', split_file=labeled_split))
