"""Open-vocabulary AP50 on known predictions; expected values from COCO's 101-point AP by hand."""
import json

import pytest
import torch

from mmkd.evaluation.metrics import OpenVocabularyAP50
from mmkd.registry import METRICS

CLASSES = ('a', 'b', 'c')  # a, b base; c novel
GT = {  # image -> [(label, x1, y1, x2, y2)]
    1: [(0, 10, 10, 40, 40), (2, 50, 50, 90, 90)],
    2: [(1, 0, 0, 50, 50), (0, 60, 60, 90, 90)],
}


@pytest.fixture()
def ann_file(tmp_path):
    anns, k = [], 0
    for img, boxes in GT.items():
        for label, x1, y1, x2, y2 in boxes:
            k += 1  # ids from 1: pycocotools treats id 0 as "unmatched"
            anns.append(dict(id=k, image_id=img, category_id=label + 1, bbox=[x1, y1, x2 - x1, y2 - y1],
                             area=(x2 - x1) * (y2 - y1), iscrowd=0))
    coco = dict(images=[dict(id=i, file_name=f'{i}.jpg', width=100, height=100) for i in GT],
                annotations=anns, categories=[dict(id=i + 1, name=n) for i, n in enumerate(CLASSES)])
    path = tmp_path / 'eval.json'
    path.write_text(json.dumps(coco))
    return str(path)


def _sample(img_id, dets):
    dets = list(dets)
    return dict(img_id=img_id, pred_instances=dict(
        bboxes=torch.tensor([d[1:5] for d in dets], dtype=torch.float32).reshape(-1, 4),
        scores=torch.tensor([d[5] for d in dets], dtype=torch.float32),
        labels=torch.tensor([d[0] for d in dets], dtype=torch.int64)))


def _evaluate(ann_file, predictions):
    metric = METRICS.build(dict(type='mmkd.OpenVocabularyAP50', ann_file=ann_file, novel_classes=['c']))
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [_sample(img, dets) for img, dets in predictions.items()])
    return metric.evaluate(len(predictions))


def test_perfect_predictions_score_one(ann_file):
    preds = {img: [b + (1.0,) for b in boxes] for img, boxes in GT.items()}
    assert _evaluate(ann_file, preds) == pytest.approx(
        {'ov/novel_AP50': 1.0, 'ov/base_AP50': 1.0, 'ov/all_AP50': 1.0})


def test_predictions_only_on_base_give_novel_zero(ann_file):
    preds = {img: [b + (1.0,) for b in boxes if b[0] != 2] for img, boxes in GT.items()}
    result = _evaluate(ann_file, preds)
    assert result['ov/novel_AP50'] == 0.0 and result['ov/base_AP50'] == pytest.approx(1.0)
    assert result['ov/all_AP50'] == pytest.approx(2 / 3)


def test_partial_recall_and_a_ranked_false_positive(ann_file):
    preds = {
        1: [(0, 10, 10, 40, 40, 0.9), (2, 50, 50, 90, 90, 0.9)],   # a: 1 of its 2 boxes; c perfect
        2: [(1, 60, 0, 100, 40, 0.9), (1, 0, 0, 50, 50, 0.8)],     # b: a miss ranked above the hit
    }
    result = _evaluate(ann_file, preds)
    ap_a = 51 / 101  # precision 1 at recall thresholds 0.00 ... 0.50, 0 above
    ap_b = 0.5       # after the hit precision is 1/2 at recall 1; interpolated 0.5 everywhere
    assert result['ov/novel_AP50'] == pytest.approx(1.0)
    assert result['ov/base_AP50'] == pytest.approx((ap_a + ap_b) / 2)
    assert result['ov/all_AP50'] == pytest.approx((ap_a + ap_b + 1.0) / 3)


def test_no_predictions_and_low_iou(ann_file):
    assert _evaluate(ann_file, {1: [], 2: []}) == {'ov/novel_AP50': 0.0, 'ov/base_AP50': 0.0,
                                                  'ov/all_AP50': 0.0}
    # IoU of (10,10,40,40) with (25,10,55,40) is 450 / 1350 = 1/3 < 0.5: not a match
    result = _evaluate(ann_file, {1: [(2, 50, 50, 90, 90, 1.0), (0, 25, 10, 55, 40, 1.0)]})
    assert result['ov/novel_AP50'] == pytest.approx(1.0)
    assert result['ov/base_AP50'] == 0.0  # only image 1 is evaluated: its base category is a


def test_bad_configuration_is_named(ann_file, tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.json'):
        OpenVocabularyAP50(str(tmp_path / 'nope.json'), novel_classes=['c'])
    with pytest.raises(ValueError, match='novel_classes'):
        OpenVocabularyAP50(ann_file)
    metric = OpenVocabularyAP50(ann_file, novel_classes=['zebra'])
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [_sample(1, [])])
    with pytest.raises(KeyError, match='zebra'):
        metric.evaluate(1)
    metric = OpenVocabularyAP50(ann_file, novel_classes=['c'])
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [_sample(1, [(7, 0, 0, 1, 1, 1.0)])])
    with pytest.raises(ValueError, match='labels'):
        metric.evaluate(1)
