"""tools/data/generate_embedded.py --cls-only writes only the classification set."""
from helpers import load_tool


def test_cls_only(tmp_path, capsys):
    load_tool('data/generate_embedded').main(['--out', str(tmp_path), '--cls-only', '--num-train', '16', '--num-val', '16',
                     '--cls-image-size', '24'])
    root = tmp_path / 'shapes_classification'
    assert (root / 'meta.json').is_file()
    assert not (tmp_path / 'shapes_coco').exists() and not (tmp_path / 'shapes_cityscapes').exists()
    assert len(list((root / 'train').rglob('*.png'))) == 16
    assert 'shapes_classification: ready' in capsys.readouterr().out
