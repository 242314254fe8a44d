"""tools/data/generate_embedded.py writes the requested sets and says so."""
from helpers import load_tool


def test_det_only_and_seg_only(tmp_path, capsys):
    cli = load_tool('data/generate_embedded')
    cli.main(['--out', str(tmp_path), '--seed', '3', '--num-train', '2', '--num-val', '1',
              '--det-only'])
    assert (tmp_path / 'shapes_coco' / 'meta.json').is_file()
    assert not (tmp_path / 'shapes_cityscapes').exists()
    assert len(list((tmp_path / 'shapes_coco' / 'train2017').glob('*.jpg'))) == 2
    cli.main(['--out', str(tmp_path), '--seed', '3', '--num-train', '2', '--num-val', '1',
              '--seg-only', '--seg-image-size', '64', '128'])
    assert len(list((tmp_path / 'shapes_cityscapes' / 'leftImg8bit' / 'val').rglob('*.png'))) == 1
    out = capsys.readouterr().out
    assert 'shapes_coco: ready' in out and 'shapes_cityscapes: ready' in out
    # the semi-supervised split files come with the segmentation set (2 images: 1 labeled at 1/4)
    splits = tmp_path / 'shapes_cityscapes' / 'subset_train'
    assert sorted(p.name for p in splits.glob('*_1-4.txt')) == ['train_aug_labeled_1-4.txt',
                                                                'train_aug_unlabeled_1-4.txt']
    assert len((splits / 'train_aug_labeled_1-4.txt').read_text().splitlines()) == 1


def test_segments_only(tmp_path, capsys):
    cli = load_tool('data/generate_embedded')
    cli.main(['--out', str(tmp_path), '--num-train', '1', '--num-val', '1', '--segments-only',
              '--det-image-size', '32'])
    root = tmp_path / 'street_segments'
    assert sorted(p.name for p in (root / 'annotations').iterdir()) == ['instances_train2017.json',
                                                                      'instances_val2017.json']
    assert not (tmp_path / 'shapes_coco').exists()
    assert 'street_segments: ready' in capsys.readouterr().out
