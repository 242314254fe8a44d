"""COCO json reading: checked loading, base boxes per image as x1 y1 x2 y2."""
import json

import pytest

from mmkd.datasets.coco_json import base_boxes_by_image, load_coco

CATS = [dict(id=1, name='circle', split='base'), dict(id=2, name='ring', split='novel')]


def test_load_coco_names_the_file_and_the_missing_key(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.json'):
        load_coco(str(tmp_path / 'nope.json'))
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(images=[], categories=[])))
    with pytest.raises(KeyError, match="bad.json.*'annotations'"):
        load_coco(str(bad))


def test_base_boxes_are_xyxy_per_image_without_crowds():
    coco = dict(images=[dict(id=1), dict(id=2)], categories=CATS,
                annotations=[dict(id=1, image_id=1, category_id=1, bbox=[2, 3, 10, 5]),
                             dict(id=2, image_id=1, category_id=1, bbox=[0, 0, 4, 4], iscrowd=1)])
    assert base_boxes_by_image(coco, 'a.json') == {1: [[2, 3, 12, 8]], 2: []}


def test_novel_boxes_and_unknown_references_are_refused():
    novel = dict(images=[dict(id=1)], categories=CATS,
                 annotations=[dict(id=1, image_id=1, category_id=2, bbox=[0, 0, 4, 4])])
    with pytest.raises(ValueError, match=r"novel categories \['ring'\]"):
        base_boxes_by_image(novel, 'a.json')
    stray = dict(images=[dict(id=1)], categories=CATS,
                 annotations=[dict(id=7, image_id=5, category_id=1, bbox=[0, 0, 4, 4])])
    with pytest.raises(KeyError, match='annotation 7 refers to image 5'):
        base_boxes_by_image(stray, 'a.json')
    with pytest.raises(KeyError, match='category_id 9'):
        base_boxes_by_image(dict(images=[], categories=CATS, annotations=[dict(id=1, category_id=9)]), 'a.json')
