"""Determinism, reuse and regeneration of the embedded data sets."""
import hashlib
import json
from pathlib import Path

from mmkd.datasets import generate_detection, generate_segmentation


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob('*')) if p.is_file()}


def test_same_seed_gives_identical_files(tmp_path, det_root, seg_root):
    again_det = generate_detection(str(tmp_path / 'det'), seed=0, num_train=6, num_val=3)
    again_seg = generate_segmentation(str(tmp_path / 'seg'), seed=0, num_train=4, num_val=2)
    assert tree_hashes(Path(again_det)) == tree_hashes(det_root)
    assert tree_hashes(Path(again_seg)) == tree_hashes(seg_root)


def test_other_seed_gives_other_images(tmp_path, det_root, seg_root):
    other_det = tree_hashes(Path(generate_detection(str(tmp_path / 'det'), seed=1, num_train=6,
                                                    num_val=3)))
    other_seg = tree_hashes(Path(generate_segmentation(str(tmp_path / 'seg'), seed=1,
                                                       num_train=4, num_val=2)))
    for other, reference in ((other_det, tree_hashes(det_root)), (other_seg, tree_hashes(seg_root))):
        assert other.keys() == reference.keys()  # same layout and file names ...
        images = [k for k in reference if k.endswith(('.jpg', '.png'))]
        assert all(other[k] != reference[k] for k in images)  # ... different content


def test_image_does_not_depend_on_split_sizes(tmp_path, det_root):
    bigger = Path(generate_detection(str(tmp_path / 'det'), seed=0, num_train=8, num_val=1))
    for name in ('train2017/000000000001.jpg', 'train2017/000000000006.jpg',
                 'val2017/000000000001.jpg'):
        assert (bigger / name).read_bytes() == (det_root / name).read_bytes()


def test_meta_is_written_with_all_parameters(det_root, seg_root):
    det_meta = json.loads((det_root / 'meta.json').read_text())
    assert det_meta['kind'] == 'detection' and det_meta['seed'] == 0
    assert det_meta['params']['num_train'] == 6 and det_meta['params']['image_size'] == 128
    assert len(det_meta['classes']) >= 8 and 'version' in det_meta
    seg_meta = json.loads((seg_root / 'meta.json').read_text())
    assert seg_meta['params']['image_size'] == [128, 256] and len(seg_meta['classes']) == 19


def test_matching_meta_reuses_files(tmp_path):
    root = tmp_path / 'det'
    generate_detection(str(root), seed=0, num_train=2, num_val=1)
    marker = root / 'train2017' / '000000000001.jpg'
    marker.write_bytes(b'left alone')
    generate_detection(str(root), seed=0, num_train=2, num_val=1)
    assert marker.read_bytes() == b'left alone'


def test_changed_parameters_regenerate_and_drop_stale_files(tmp_path):
    root = tmp_path / 'seg'
    generate_segmentation(str(root), seed=0, num_train=4, num_val=1)
    generate_segmentation(str(root), seed=0, num_train=2, num_val=1)
    images = sorted((root / 'leftImg8bit' / 'train').rglob('*.png'))
    labels = sorted((root / 'gtFine' / 'train').rglob('*.png'))
    assert len(images) == len(labels) == 2  # the 2 surplus images of the first run are gone
    assert json.loads((root / 'meta.json').read_text())['params']['num_train'] == 2


def test_interrupted_run_is_regenerated(tmp_path):
    """Without meta.json (written last) a folder counts as incomplete."""
    root = tmp_path / 'det'
    generate_detection(str(root), seed=0, num_train=2, num_val=1)
    reference = tree_hashes(root)
    (root / 'meta.json').unlink()
    (root / 'train2017' / '000000000002.jpg').write_bytes(b'truncated')
    (root / 'train2017' / '000000000007.jpg').write_bytes(b'stale')
    generate_detection(str(root), seed=0, num_train=2, num_val=1)
    assert tree_hashes(root) == reference
