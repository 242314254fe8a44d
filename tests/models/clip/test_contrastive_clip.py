"""ContrastiveCLIP: the symmetric InfoNCE loss by its formula, the clamped temperature, zero-shot predict."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS

CLASSES = ['circle', 'ring', 'star']


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return MODELS.build(dict(type='mmkd.ContrastiveCLIP', model_name='mmkd-tiny-vit-64', classes=CLASSES))


def test_loss_is_the_symmetric_infonce_with_a_clamped_temperature(model):
    images = torch.randn(3, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    captions = ['a photo of a circle.', 'a photo of a ring.', 'a photo of a star.']
    with torch.no_grad():
        model.clip.logit_scale.fill_(math.log(500.0))  # above open_clip's bound of 100
    loss = model(images, dict(caption=captions), mode='loss')['loss_clip']
    assert model.clip.logit_scale.exp().item() == pytest.approx(100.0)
    with torch.no_grad():
        img = F.normalize(model.clip.encode_image(images), dim=-1)
        txt = F.normalize(model.clip.encode_text(model.tokenizer(captions)), dim=-1)
        logits = 100.0 * img @ txt.T
        target = torch.arange(3)
        expected = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
    torch.testing.assert_close(loss.detach(), expected, rtol=1e-5, atol=1e-5)
    loss.backward()
    assert model.clip.visual.conv1.weight.grad is not None and model.clip.token_embedding.weight.grad is not None
    model.zero_grad()


def test_predict_is_the_nearest_class_text_embedding(model):
    model.eval()
    images = torch.randn(4, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    out = model(images, dict(label=torch.tensor([0, 1, 2, 1])), mode='predict')
    text = model.class_text_embeddings()
    expected = (model(images, mode='tensor') @ text.T).argmax(1).tolist()
    assert [o['pred_label'] for o in out] == expected and [o['gt_label'] for o in out] == [0, 1, 2, 1]
    state = model.open_clip_state_dict()
    assert 'visual.class_embedding' in state and not any(k.startswith('clip.') for k in state)


def test_bad_use_is_named(model):
    with pytest.raises(KeyError, match='caption'):
        model(torch.zeros(1, 3, 64, 64), dict(label=[0]), mode='loss')
    with pytest.raises(ValueError, match='2 images but 1 captions'):
        model(torch.zeros(2, 3, 64, 64), dict(caption=['x']), mode='loss')
    with pytest.raises(ValueError, match='mode'):
        model(torch.zeros(1, 3, 64, 64), mode='features')
    no_classes = MODELS.build(dict(type='mmkd.ContrastiveCLIP', model_name='mmkd-tiny-vit-64'))
    with pytest.raises(ValueError, match='no classes'):
        no_classes(torch.zeros(1, 3, 64, 64), mode='predict')
