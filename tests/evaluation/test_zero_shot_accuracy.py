"""Zero-shot accuracy over all samples and per base / novel group, counted by hand."""
import math

import pytest

from mmkd.evaluation import ZeroShotAccuracy, grouped_accuracy


def test_grouped_accuracy_counts_by_hand():
    # labels 0 0 1 2, predictions right, wrong, right, wrong
    acc = grouped_accuracy([0, 1, 1, 0], [0, 0, 1, 2], dict(base=[0, 1], novel=[2], empty=[3]))
    assert acc['all'] == 0.5 and acc['base'] == pytest.approx(2 / 3) and acc['novel'] == 0.0
    assert math.isnan(acc['empty'])  # no evidence, not 0
    with pytest.raises(ValueError, match='2 predictions but 1 labels'):
        grouped_accuracy([0, 1], [0])


def test_metric_maps_split_names_to_the_dataset_classes():
    metric = ZeroShotAccuracy(groups=dict(base=['circle', 'square'], novel=['ring']))
    metric.dataset_meta = dict(classes=('ring', 'circle', 'square'))
    metric.process(None, [dict(pred_label=0, gt_label=0), dict(pred_label=2, gt_label=1),
                          dict(pred_label=2, gt_label=2)])
    assert metric.evaluate(3) == {'zero_shot/all': pytest.approx(2 / 3), 'zero_shot/base': 0.5,
                                  'zero_shot/novel': 1.0}


def test_metric_errors_name_what_is_wrong():
    metric = ZeroShotAccuracy(split='shapes')  # base / novel of the embedded shapes split
    metric.dataset_meta = dict(classes=('circle',))
    metric.process(None, [dict(pred_label=0, gt_label=0)])
    with pytest.raises(KeyError, match='not among the dataset'):
        metric.evaluate(1)
    with pytest.raises(KeyError, match='pred_label and gt_label'):
        ZeroShotAccuracy().process(None, [dict(pred_score=[0.1])])
    with pytest.raises(ValueError, match='split or groups'):
        ZeroShotAccuracy(split='shapes', groups=dict(a=['x']))
