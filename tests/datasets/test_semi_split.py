"""Labeled / unlabeled partitions and their split files (CPS / MGD-SSSS format)."""
import os.path as osp

import pytest

from mmkd.datasets.semi_split import (format_line, partition, read_split_file, split_file_names,
                                      write_semi_splits)

STEMS = [f'{city}_000000_{i:06d}' for i, city in zip(range(200), ['aachen', 'bochum', 'bremen'] * 70)]


@pytest.mark.parametrize('denominator, num_labeled', [(16, 13), (8, 25), (4, 50)])
def test_partition_disjoint_covering_and_sized(denominator, num_labeled):
    labeled, unlabeled = partition(STEMS, denominator, seed=0)
    assert len(labeled) == num_labeled  # round(200 / N), halves up
    assert not set(labeled) & set(unlabeled)
    assert sorted(labeled + unlabeled) == sorted(STEMS)


def test_partition_stable_for_a_seed_and_independent_of_listing_order():
    assert partition(STEMS, 16, seed=3) == partition(list(reversed(STEMS)), 16, seed=3)
    assert partition(STEMS, 16, seed=3)[0] != partition(STEMS, 16, seed=4)[0]


def test_partitions_of_a_seed_are_nested():
    l16, l8, l4 = (set(partition(STEMS, n, seed=1)[0]) for n in (16, 8, 4))
    assert l16 < l8 < l4


def test_partition_bad_input():
    with pytest.raises(ValueError, match='denominator'):
        partition(STEMS, 0)
    with pytest.raises(ValueError, match='duplicate'):
        partition(STEMS[:3] + STEMS[:1], 2)
    with pytest.raises(ValueError, match='no images'):
        partition([], 2)


def test_split_files_round_trip_in_the_published_format(tmp_path):
    root = tmp_path / 'city'
    for stem in STEMS[:20]:
        city = stem.split('_')[0]
        (root / 'leftImg8bit' / 'train' / city).mkdir(parents=True, exist_ok=True)
        (root / 'leftImg8bit' / 'train' / city / f'{stem}_leftImg8bit.png').write_bytes(b'')
    written = write_semi_splits(str(root), (16, 4), seed=0)
    assert set(written) == {16, 4}
    labeled_file, unlabeled_file = written[4]
    assert osp.basename(labeled_file) == 'train_aug_labeled_1-4.txt' == split_file_names(4)[0]
    assert osp.dirname(labeled_file) == str(root / 'subset_train')
    first = open(labeled_file).readline().rstrip('\n')
    stem = first.split('\t')[0].split('/')[-1][:-len('.png')]
    assert first == f'/images/train/{stem}.png\t/segmentation/train/{stem}_gtFine.png'
    assert (read_split_file(labeled_file), read_split_file(unlabeled_file)) == partition(STEMS[:20], 4, seed=0)
    # rewriting gives identical files
    before = open(unlabeled_file).read()
    write_semi_splits(str(root), (4,), seed=0)
    assert open(unlabeled_file).read() == before


def test_read_split_file_accepts_published_lines_and_plain_stems(tmp_path):
    path = tmp_path / 'split.txt'
    path.write_text(format_line('jena_000078_000019') + '\n\nulm_000001_000019\n'
                    'leftImg8bit/train/ulm/ulm_000002_000019_leftImg8bit.png\n')
    assert read_split_file(str(path)) == ['jena_000078_000019', 'ulm_000001_000019', 'ulm_000002_000019']
    with pytest.raises(FileNotFoundError, match='generate_embedded'):
        read_split_file(str(tmp_path / 'missing.txt'))
    with pytest.raises(FileNotFoundError, match='leftImg8bit'):
        write_semi_splits(str(tmp_path / 'empty'))
