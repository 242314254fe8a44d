"""Open-vocabulary splits of COCO-format annotations, on a hand-built annotation."""
import json

import pytest

from mmkd.datasets import (OV_COCO_BASE_CLASSES, OV_COCO_NOVEL_CLASSES, SHAPES_BASE_CLASSES, SHAPES_CLASSES,
                           SHAPES_NOVEL_CLASSES, get_ov_split, split_coco_annotations, write_ov_split)


def _coco():
    cats = [dict(id=i, name=n, supercategory='thing') for i, n in enumerate('abcd', start=1)]
    images = [dict(id=i, file_name=f'{i:012d}.jpg', width=100, height=100) for i in (1, 2, 3)]
    pairs = [(1, 1), (1, 3), (2, 3), (3, 4), (3, 2)]  # (image, category)
    anns = [dict(id=k, image_id=img, category_id=cat, bbox=[10, 10, 20, 20], area=400, iscrowd=0)
            for k, (img, cat) in enumerate(pairs, start=1)]
    return dict(info={}, licenses=[], images=images, annotations=anns, categories=cats)


def test_train_keeps_base_boxes_eval_keeps_base_and_novel():
    coco = _coco()
    train, evaluation = split_coco_annotations(coco, ['a', 'b'], ['c'])
    assert [a['id'] for a in train['annotations']] == [1, 5]            # a in image 1, b in image 3
    assert [a['id'] for a in evaluation['annotations']] == [1, 2, 3, 5]  # d (in neither list) dropped
    for out in (train, evaluation):
        assert [(c['name'], c['split']) for c in out['categories']] == [('a', 'base'), ('b', 'base'),
                                                                         ('c', 'novel')]
        assert [i['id'] for i in out['images']] == [1, 2, 3]             # image 2 has only novel boxes
    assert len(coco['annotations']) == 5 and 'split' not in coco['categories'][0]  # input untouched


def test_bad_class_lists_are_named():
    with pytest.raises(KeyError, match=r"\['z'\]"):
        split_coco_annotations(_coco(), ['a', 'z'], ['c'], source='ann.json')
    with pytest.raises(ValueError, match='both base and novel'):
        split_coco_annotations(_coco(), ['a', 'c'], ['c'])
    with pytest.raises(ValueError, match='repeats'):
        split_coco_annotations(_coco(), ['a', 'a'], ['c'])
    with pytest.raises(KeyError, match="'annotations'"):
        split_coco_annotations(dict(images=[], categories=[]), ['a'], ['c'], source='x.json')


def test_write_ov_split_files_load_in_pycocotools(tmp_path):
    from pycocotools.coco import COCO
    src = tmp_path / 'instances_val2017.json'
    src.write_text(json.dumps(_coco()))
    train_file, eval_file = write_ov_split(str(src), str(tmp_path / 'ov' / 'train.json'),
                                           str(tmp_path / 'ov' / 'eval.json'), ['a', 'b'], ['c'])
    train, evaluation = COCO(train_file), COCO(eval_file)
    assert len(train.getAnnIds()) == 2 and len(evaluation.getAnnIds()) == 4
    assert not list((tmp_path / 'ov').glob('.tmp_*'))
    with pytest.raises(FileNotFoundError, match='missing.json'):
        write_ov_split(str(tmp_path / 'missing.json'), 'a.json', 'b.json', split='shapes')
    with pytest.raises(ValueError, match='not both'):
        write_ov_split(str(src), 'a.json', 'b.json', ['a'], ['c'], split='shapes')


def test_named_splits():
    from mmdet.datasets import CocoDataset
    coco_names = set(CocoDataset.METAINFO['classes'])
    base, novel = get_ov_split('coco')
    assert (len(base), len(novel)) == (48, 17) and not set(base) & set(novel)
    assert set(base) | set(novel) <= coco_names
    assert (base, novel) == (OV_COCO_BASE_CLASSES, OV_COCO_NOVEL_CLASSES)
    assert {'bus', 'cat', 'dog', 'umbrella'} <= set(novel) and 'person' in base
    assert set(SHAPES_BASE_CLASSES) | set(SHAPES_NOVEL_CLASSES) == set(SHAPES_CLASSES)
    assert get_ov_split('shapes') == (SHAPES_BASE_CLASSES, SHAPES_NOVEL_CLASSES) and len(SHAPES_NOVEL_CLASSES) == 2
    with pytest.raises(KeyError, match='lvis'):
        get_ov_split('lvis')
