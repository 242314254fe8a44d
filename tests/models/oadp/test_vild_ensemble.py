"""ViLD ensemble: the formula on hand numbers; novel logits -inf in training, finite through the ensemble in eval."""
import math

import pytest
import torch
from mmengine.config import Config

from mmkd.models.oadp.ensemble_roi_head import ViLDEnsembleRoIHead, vild_ensemble_scores
from mmkd.registry import MODELS
from helpers import REPO_ROOT, TINY_FASTER_RCNN_CFG

LAM = 2 / 3


def test_geometric_mean_weighted_by_base_or_novel_by_hand():
    p = [0.5, 0.2, 0.1, 0.2]          # detection head: classes 0-2, background
    q = [0.25, 0.25, 0.5]             # object head: classes 0-2
    det, obj = torch.tensor([p]).log(), torch.tensor([q]).log()
    novel = torch.tensor([False, False, True])
    s = [p[0] ** LAM * q[0] ** (1 - LAM), p[1] ** LAM * q[1] ** (1 - LAM), p[2] ** (1 - LAM) * q[2] ** LAM]
    assert abs(sum(s) - 0.9047) < 1e-3  # below 1: background takes the rest, nothing is renormalised
    expected = torch.tensor([s + [1 - sum(s)]])
    torch.testing.assert_close(vild_ensemble_scores(det, obj, novel, LAM), expected)
    # lambda = 1: base classes are the detection head's, novel ones the object head's (sum 1.2: renormalised)
    torch.testing.assert_close(vild_ensemble_scores(det, obj, novel, 1.0)[0],
                               torch.tensor([0.5, 0.2, 0.5, 0.0]) / 1.2)


def test_scores_above_one_are_renormalised():
    p, q = [0.9, 0.1, 0.0], [0.6, 0.4]  # confident base detection, confident novel object score
    scores = vild_ensemble_scores(torch.tensor([p]).clamp(min=1e-30).log(), torch.tensor([q]).log(),
                                  torch.tensor([False, True]), LAM)
    raw = [0.9 ** LAM * 0.6 ** (1 - LAM), 0.1 ** (1 - LAM) * 0.4 ** LAM]
    assert sum(raw) > 1
    torch.testing.assert_close(scores, torch.tensor([[raw[0] / sum(raw), raw[1] / sum(raw), 0.0]]))


def build_detector(tmp_path, dim=16):
    path = tmp_path / 'text.pth'
    classes = ['circle', 'square', 'triangle', 'star', 'cross', 'ring', 'diamond', 'hexagon']
    torch.manual_seed(0)
    torch.save(dict(classes=classes, embeddings=torch.randn(8, dim)), path)
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/_base_/models/faster-rcnn_r18-w8_fpn_vild-ensemble_shapes-ov.py'))
    cfg.model.roi_head.bbox_head.text_embeddings = str(path)
    cfg.model.roi_head.object_head.embed_dim = dim
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def test_novel_logits_inf_in_training_and_finite_through_the_ensemble(tmp_path):
    model = build_detector(tmp_path)
    head = model.roi_head
    assert isinstance(head, ViLDEnsembleRoIHead)
    images = torch.randn(1, 3, 64, 64)
    rois = torch.tensor([[0.0, 8, 8, 40, 40], [0.0, 2, 20, 30, 60]])
    novel = [5, 6]
    model.train()
    train_logits = head._bbox_forward(model.extract_feat(images), rois)['cls_score']
    assert torch.isneginf(train_logits[:, novel]).all() and torch.isfinite(train_logits[:, [0, 1, 2, 3, 4, 7, 8]]).all()
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(images)
        results = head._bbox_forward(feats, rois)
        bbox_feats = head.bbox_roi_extractor(feats[:head.bbox_roi_extractor.num_inputs], rois)
        det_logits, _ = head.bbox_head(bbox_feats)
        object_logits = head.object_head(bbox_feats) @ head.bbox_head.fc_cls.text_embeddings.T / 0.01
    assert torch.isfinite(det_logits).all() and torch.isfinite(results['cls_score']).all()
    mask = torch.zeros(8, dtype=torch.bool)
    mask[novel] = True
    # what mmdet's box head computes from cls_score (a softmax) is the ensemble itself
    torch.testing.assert_close(results['cls_score'].softmax(-1),
                               vild_ensemble_scores(det_logits, object_logits, mask, LAM), rtol=1e-5, atol=1e-6)
    assert math.isclose(head.ensemble_weight, LAM)


def test_object_head_needs_the_clip_text_box_head():
    cfg = Config.fromfile(str(TINY_FASTER_RCNN_CFG))
    cfg.model.roi_head.update(type='mmkd.ViLDEnsembleRoIHead',
                              object_head=dict(type='CLIPEmbeddingHead', in_channels=64, embed_dim=8))
    with pytest.raises(TypeError, match='CLIPTextClassifier'):
        MODELS.build(cfg.model)
