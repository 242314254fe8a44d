"""Top-k accuracy on hand-made predictions."""
import pytest
import torch

from mmkd.evaluation import TopKAccuracy


def run(scores, labels, topk=(1, 2)):
    metric = TopKAccuracy(topk=topk)
    metric.process(None, [dict(pred_score=torch.tensor(s), gt_label=torch.tensor([y]))
                          for s, y in zip(scores, labels)])
    return metric.compute_metrics(metric.results)


def test_hand_values():
    scores = [[0.7, 0.2, 0.1],   # label 0: rank 0
              [0.5, 0.3, 0.2],   # label 1: rank 1
              [0.5, 0.3, 0.2],   # label 2: rank 2
              [0.1, 0.1, 0.8]]   # label 2: rank 0
    assert run(scores, [0, 1, 2, 2], topk=(1, 2, 3)) == dict(top1=50.0, top2=75.0, top3=100.0)


def test_ties_count_against_the_sample():
    # a constant prediction must not score: the target ranks behind its equals
    assert run([[0.25] * 4] * 3, [0, 1, 3], topk=(1, 3, 4)) == dict(top1=0.0, top3=0.0, top4=100.0)


def test_bad_topk_and_missing_fields():
    with pytest.raises(ValueError, match='positive'):
        TopKAccuracy(topk=(0,))
    with pytest.raises(KeyError, match='pred_score and gt_label'):
        TopKAccuracy().process(None, [dict(gt_label=torch.tensor([0]))])
