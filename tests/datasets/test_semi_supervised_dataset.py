"""Split-file Cityscapes partitions and the labeled + two unlabeled wrapper, through mmengine's collate."""
import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.dataset import pseudo_collate  # noqa: E402

from mmkd.datasets import SemiSupervisedDataset, SplitCityscapesDataset, write_semi_splits  # noqa: E402
from mmkd.datasets.semi_split import read_split_file  # noqa: E402
from mmkd.registry import DATASETS  # noqa: E402

LABELED_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='mmseg.LoadAnnotations'),
                    dict(type='mmseg.PackSegInputs')]
UNLABELED_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='mmseg.PackSegInputs')]


def split_dataset(root, split_file, pipeline):
    return dict(type='mmkd.SplitCityscapesDataset', data_root=str(root), split_file=split_file,
                data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'), pipeline=pipeline)


@pytest.fixture(scope='module')
def splits(seg_root, tmp_path_factory):
    return write_semi_splits(str(seg_root), (4,), seed=0, out_dir=str(tmp_path_factory.mktemp('splits')))[4]


def test_split_dataset_keeps_the_split_files_images_in_order(seg_root, splits):
    labeled = DATASETS.build(split_dataset(seg_root, splits[0], LABELED_PIPELINE))
    unlabeled = DATASETS.build(split_dataset(seg_root, splits[1], UNLABELED_PIPELINE))
    assert isinstance(labeled, SplitCityscapesDataset)
    assert (len(labeled), len(unlabeled)) == (1, 3)  # 4 images at 1/4
    stems = [labeled.get_data_info(i)['img_path'].split('/')[-1][:-len('_leftImg8bit.png')]
             for i in range(len(labeled))]
    assert stems == read_split_file(splits[0])
    assert 'gt_sem_seg' in labeled[0]['data_samples'] and 'gt_sem_seg' not in unlabeled[0]['data_samples']


def test_split_dataset_names_missing_images(seg_root, tmp_path):
    bad = tmp_path / 'bad.txt'
    bad.write_text('/images/train/nowhere_000000_000001.png\t/segmentation/train/nowhere_gtFine.png\n')
    with pytest.raises(FileNotFoundError, match='nowhere_000000_000001'):
        DATASETS.build(split_dataset(seg_root, str(bad), LABELED_PIPELINE))


def test_wrapper_gives_one_labeled_and_two_unlabeled_and_collates(seg_root, splits):
    dataset = DATASETS.build(dict(type='mmkd.SemiSupervisedDataset',
                                  labeled=split_dataset(seg_root, splits[0], LABELED_PIPELINE),
                                  unlabeled=split_dataset(seg_root, splits[1], UNLABELED_PIPELINE)))
    assert isinstance(dataset, SemiSupervisedDataset)
    assert len(dataset) == 3 and dataset.metainfo['classes'][0] == 'road'
    batch = pseudo_collate([dataset[i] for i in range(2)])
    assert len(batch['inputs']) == 2 and len(batch['data_samples']) == 2
    u0, u1 = batch['unlabeled']
    for part in (u0, u1):
        assert len(part['inputs']) == 2 and isinstance(part['inputs'][0], torch.Tensor)
        assert all('gt_sem_seg' not in s for s in part['data_samples'])
    # u0 walks the unlabeled set in index order
    assert [s.img_path for s in u0['data_samples']] == [dataset.unlabeled[i]['data_samples'].img_path
                                                         for i in range(2)]


def test_empty_partitions_are_named(seg_root, splits, tmp_path):
    empty = tmp_path / 'empty.txt'
    empty.write_text('')
    with pytest.raises(ValueError, match='empty.txt.* lists no images'):
        SemiSupervisedDataset(labeled=split_dataset(seg_root, splits[0], LABELED_PIPELINE),
                              unlabeled=split_dataset(seg_root, str(empty), UNLABELED_PIPELINE))

    class Empty:
        def full_init(self):
            pass

        def __len__(self):
            return 0
    with pytest.raises(ValueError, match='labeled partition is empty'):
        SemiSupervisedDataset(labeled=Empty(), unlabeled=Empty())
