"""TimmClassifier: timm models as mmengine classifiers, loaded from local timm weights."""
import pytest
import timm
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope

from mmkd.models.classifiers import TimmClassifier
from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample


@pytest.fixture
def resnet():
    torch.manual_seed(0)
    return TimmClassifier('resnet18', num_classes=5, label_smoothing=0.1, channels=(8, 16, 32, 64))


def test_modes(resnet):
    x = torch.randn(3, 3, 32, 32)
    labels = [4, 0, 2]
    samples = [ClsDataSample(gt_label=v) for v in labels]
    resnet.eval()
    logits = resnet(x, mode='tensor')
    assert logits.shape == (3, 5)
    # label-smoothed CE by hand: (1 - s) * NLL + s * mean over classes of -log p
    log_p = F.log_softmax(logits, dim=1)
    nll = -log_p[torch.arange(3), torch.tensor(labels)]
    expected = (0.9 * nll + 0.1 * -log_p.mean(1)).mean()
    assert resnet(x, samples, mode='loss')['loss_cls'].item() == pytest.approx(expected.item(), rel=1e-5)
    out = resnet(x, samples, mode='predict')
    assert out is samples
    for sample, row in zip(out, logits):
        assert sample.pred_score.sum().item() == pytest.approx(1.0, abs=1e-5)
        assert sample.pred_label.item() == int(row.argmax())
    with pytest.raises(ValueError, match="mode must be"):
        resnet(x, mode='export')


def test_built_from_the_registry_with_timm_overrides():
    init_default_scope('mmkd')
    model = MODELS.build(dict(type='mmkd.TimmClassifier', model_name='deit_tiny_patch16_224', num_classes=7,
                              img_size=32, patch_size=4, depth=2, embed_dim=32, num_heads=2))
    assert len(model.model.blocks) == 2 and model.model.patch_embed.grid_size == (8, 8)
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 7)


def test_configurable_mlps():
    mixer = TimmClassifier('mmkd_mixer', num_classes=4, img_size=32, patch_size=4, num_blocks=2, embed_dim=16)
    resmlp = TimmClassifier('mmkd_resmlp', num_classes=4, img_size=32, patch_size=4, num_blocks=3, embed_dim=24)
    assert len(mixer.model.blocks) == 2 and len(resmlp.model.blocks) == 3
    assert type(resmlp.model.blocks[0]).__name__ == 'ResBlock'
    assert resmlp.model.blocks[0](torch.randn(1, 64, 24)).shape == (1, 64, 24)


def test_clear_errors():
    with pytest.raises(KeyError, match="unknown timm model 'resnet_19'"):
        TimmClassifier('resnet_19', num_classes=3)
    with pytest.raises(TypeError, match="mmkd_mixer"):
        TimmClassifier('mixer_s16_224', num_classes=3, patch_size=4)
    with pytest.raises(ValueError, match='would download'):
        TimmClassifier('resnet18', num_classes=3, pretrained=True)


def test_pretrained_file_in_timm_layout(tmp_path):
    """A plain timm checkpoint (keys without 'model.', another head size) loads at
    init_weights through timm's loader: the body is copied, the head re-initialised."""
    torch.manual_seed(1)
    source = timm.create_model('resnet18', num_classes=1000, channels=(8, 16, 32, 64))
    path = tmp_path / 'resnet18_timm.pth'
    torch.save(source.state_dict(), path)
    model = TimmClassifier('resnet18', num_classes=5, pretrained_file=str(path), channels=(8, 16, 32, 64))
    assert not torch.equal(model.model.conv1.weight, source.conv1.weight)  # not read at build time
    model.init_weights()
    torch.testing.assert_close(model.model.layer3[0].conv1.weight, source.layer3[0].conv1.weight)
    assert model.model.fc.weight.shape == (5, 64)


def test_missing_pretrained_file_fails_at_init_weights_not_at_build():
    model = TimmClassifier('resnet18', num_classes=3, pretrained_file='nowhere/weights.safetensors')
    with pytest.raises(FileNotFoundError, match='nowhere/weights.safetensors'):
        model.init_weights()
