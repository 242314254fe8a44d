"""Zero-shot accuracy: argmax of cosine similarity, per group of categories."""
import math

import pytest
import torch

from mmkd.models.clip.zero_shot import zero_shot_accuracy, zero_shot_predictions


def test_matching_embeddings_give_accuracy_one():
    torch.manual_seed(0)
    text = torch.nn.functional.normalize(torch.randn(5, 16), dim=1)
    labels = torch.tensor([0, 1, 2, 3, 4, 4, 3, 0])
    images = text[labels] * torch.rand(len(labels), 1).add(0.5)  # same directions, any length
    acc = zero_shot_accuracy(images, labels, text, dict(base=[0, 1, 2], novel=[3, 4]))
    assert acc == dict(all=1.0, base=1.0, novel=1.0)


def test_hand_computed_accuracies():
    text = torch.eye(3)
    images = torch.tensor([[1.0, 0.1, 0.0],   # -> 0, label 0: right
                           [0.2, 0.9, 0.0],   # -> 1, label 1: right
                           [0.0, 0.3, 0.2],   # -> 1, label 2: wrong
                           [0.0, 0.1, 0.5]])  # -> 2, label 2: right
    assert zero_shot_predictions(images, text).tolist() == [0, 1, 1, 2]
    acc = zero_shot_accuracy(images, torch.tensor([0, 1, 2, 2]), text, dict(base=[0, 1], novel=[2]))
    assert acc['all'] == 0.75 and acc['base'] == 1.0 and acc['novel'] == 0.5
    acc = zero_shot_accuracy(images[:2], torch.tensor([0, 1]), text, dict(novel=[2]))
    assert math.isnan(acc['novel'])  # no novel crops: no evidence, not 0


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match='labels must lie'):
        zero_shot_accuracy(torch.ones(2, 3), torch.tensor([0, 3]), torch.eye(3))
    with pytest.raises(ValueError, match=r'\(N, D\) image and \(C, D\) text'):
        zero_shot_predictions(torch.ones(2, 4), torch.eye(3))
