"""CLIP-text box head: cosine logits by formula, novel columns -inf only in training, builds in Faster R-CNN."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmkd.models.oadp.text_bbox_head import CLIPTextClassifier, CLIPTextShared2FCBBoxHead, load_text_embeddings
from mmkd.registry import MODELS
from helpers import TINY_FASTER_RCNN_CFG


def test_logits_follow_the_formula_and_mask_novel_in_training_only():
    text = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])   # normalised inside: e1, e2, (e1+e2)/sqrt2
    head = CLIPTextClassifier(3, 4, text, novel_classes=[2])
    with torch.no_grad():
        head.projection.weight.copy_(torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]))
        head.projection.bias.zero_()
        head.background_embedding.copy_(torch.tensor([0.0, -3.0]))  # normalised: -e2
    x = torch.tensor([[3.0, 4.0, 7.0]])  # projection (3, 4) -> (0.6, 0.8)
    sims = torch.tensor([[0.6, 0.8, 1.4 / math.sqrt(2), -0.8]])
    head.eval()
    torch.testing.assert_close(head(x), sims / 0.01)
    head.train()
    logits = head(x)
    assert torch.isneginf(logits[0, 2]) and torch.isfinite(logits[0, [0, 1, 3]]).all()
    torch.testing.assert_close(logits[0, [0, 1, 3]], sims[0, [0, 1, 3]] / 0.007)
    F.cross_entropy(logits, torch.tensor([1])).backward()  # -inf column: finite loss and gradients
    assert torch.isfinite(head.projection.weight.grad).all() and head.background_embedding.grad is not None
    head.mask_novel_in_eval = True  # closed-set diagnostic: novel columns -inf in evaluation too
    head.eval()
    closed = head(x)
    assert torch.isneginf(closed[0, 2])
    torch.testing.assert_close(closed[0, [0, 1, 3]], sims[0, [0, 1, 3]] / 0.01)


def test_split_novel_scoring_keeps_the_trained_base_softmax():
    """Hand numbers: classes 0, 1 base, 2 novel, background last; the novel column dominates every logit."""
    from mmkd.models.oadp.text_bbox_head import split_novel_log_probs
    logits = torch.tensor([[1.0, 0.0, 5.0, 0.5]])
    novel = torch.tensor([False, False, True, False])
    e = [math.exp(v) for v in (1.0, 0.0, 0.5)]
    trained = [v / sum(e) for v in e]                       # base 0, base 1, background
    joint2 = math.exp(5.0) / sum(math.exp(v) for v in (1.0, 0.0, 5.0, 0.5))  # the novel column, joint softmax
    raw = [trained[0], trained[1], joint2, trained[2]]
    expected = torch.tensor([[v / sum(raw) for v in raw]])
    torch.testing.assert_close(split_novel_log_probs(logits, novel).exp(), expected)
    joint = logits.softmax(-1)
    assert joint[0, 0] < 0.02 and expected[0, 0] > trained[0] / 2  # joint erases base 0; split at most halves it
    # through the classifier: eval only, training still masks the novel column
    head = CLIPTextClassifier(2, 4, torch.eye(3)[:, :2] + 0.1, novel_classes=[2], novel_scoring='split')
    x = torch.randn(5, 2)
    head.eval()
    with torch.no_grad():
        torch.testing.assert_close(head(x).softmax(-1), split_novel_log_probs(
            head.projection(x) @ torch.cat([head.text_embeddings, F.normalize(head.background_embedding, dim=0)[None]]).T
            / 0.01, head.novel_mask).exp())
    head.train()
    assert torch.isneginf(head(x)[:, 2]).all()
    with pytest.raises(ValueError, match="novel_scoring must be one of \\('joint', 'split'\\)"):
        CLIPTextClassifier(2, 4, torch.ones(3, 2), novel_scoring='calibrated')


def test_bad_configuration_is_named(tmp_path):
    with pytest.raises(ValueError, match='num_classes=3'):
        CLIPTextClassifier(8, 9, torch.ones(3, 4))
    with pytest.raises(ValueError, match=r'novel_classes \[3\]'):
        CLIPTextClassifier(8, 4, torch.ones(3, 4), novel_classes=[3])
    path = tmp_path / 'text.pth'
    torch.save(dict(classes=['a', 'b'], embeddings=torch.ones(2, 4)), path)
    assert load_text_embeddings(str(path), ['a', 'b']).shape == (2, 4)
    with pytest.raises(ValueError, match="classes \\['a', 'b'\\]"):
        load_text_embeddings(str(path), ['b', 'a'])
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_text_embeddings(str(tmp_path / 'missing.pth'))


def test_head_builds_in_faster_rcnn_and_one_loss_step_runs(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / 'text.pth'
    torch.save(dict(classes=[f'c{i}' for i in range(8)], embeddings=torch.randn(8, 16)), path)
    cfg = Config.fromfile(str(TINY_FASTER_RCNN_CFG))
    cfg.model.roi_head.bbox_head.update(type='mmkd.CLIPTextShared2FCBBoxHead', text_embeddings=str(path),
                                        novel_classes=[5, 6], reg_class_agnostic=True)
    model = MODELS.build(cfg.model)
    model.init_weights()
    head = model.roi_head.bbox_head
    assert isinstance(head, CLIPTextShared2FCBBoxHead) and isinstance(head.fc_cls, CLIPTextClassifier)
    assert head.fc_cls.projection.in_features == 256 and head.fc_cls.text_embeddings.shape == (8, 16)
    samples = []
    for boxes, labels in (([[8.0, 8.0, 40.0, 40.0]], [0]), ([[20.0, 4.0, 60.0, 50.0], [2.0, 2.0, 20.0, 24.0]], [3, 7])):
        sample = DetDataSample(metainfo=dict(img_shape=(64, 64), pad_shape=(64, 64), batch_input_shape=(64, 64),
                                             scale_factor=(1.0, 1.0), ori_shape=(64, 64)))
        sample.gt_instances = InstanceData(bboxes=torch.tensor(boxes), labels=torch.tensor(labels))
        samples.append(sample)
    model.train()
    losses = model.loss(torch.randn(2, 3, 64, 64), samples)
    assert math.isfinite(losses['loss_cls'].item()) and math.isfinite(losses['loss_bbox'].item())
    sum(sum(v) if isinstance(v, list) else v for k, v in losses.items() if 'loss' in k).backward()
    assert head.fc_cls.projection.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        rois = torch.tensor([[0.0, 8, 8, 40, 40]])
        scores = model.roi_head._bbox_forward(model.extract_feat(torch.randn(1, 3, 64, 64)), rois)['cls_score']
    assert scores.shape == (1, 9) and torch.isfinite(scores).all()
