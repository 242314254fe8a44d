"""The dense BYOL teacher pre-training: the loss on known tensors, EMA target, a batch's loss, bad inputs."""
import pytest
import torch

pytest.importorskip('timm')

from mmkd.models.foundation import DenseBYOLPretrainer  # noqa: E402
from mmkd.models.foundation.dense_byol_pretrainer import cosine_regression  # noqa: E402

TINY = dict(arch='vit_small_patch16_224', arch_cfg=dict(img_size=(32, 64), embed_dim=32, depth=1, num_heads=2),
            local_size=(16, 32), num_local=2, points=4, hidden_dim=16, momentum=0.9)


def test_cosine_regression_known_values():
    t = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    assert cosine_regression(3 * t, t) == 0  # aligned, whatever the norms
    assert torch.isclose(cosine_regression(-t, t), torch.tensor(4.0))  # opposite
    assert torch.isclose(cosine_regression(t.flip(1), t), torch.tensor(2.0))  # orthogonal
    # 45 degrees on one row, aligned on the other: (2 - 2 / sqrt(2) + 0) / 2
    assert torch.isclose(cosine_regression(torch.tensor([[1.0, 1.0], [0.0, 1.0]]), t),
                         torch.tensor(1 - 2 ** -0.5))


def test_cosine_regression_bad_shapes():
    with pytest.raises(ValueError, match='cosine_regression'):
        cosine_regression(torch.rand(3, 4), torch.rand(2, 4))


def test_target_starts_as_copy_and_follows_by_ema():
    model = DenseBYOLPretrainer(**TINY)
    model.init_weights()
    for t, o in zip(model.target.parameters(), model.encoder.parameters()):
        assert torch.equal(t, o) and not t.requires_grad
    before = [t.clone() for t in model.target.parameters()]
    with torch.no_grad():
        for o in model.encoder.parameters():
            o.add_(1.0)
    model.update_target()
    for b, t in zip(before, model.target.parameters()):
        assert torch.allclose(t, b + 0.1)  # 0.9 * b + 0.1 * (b + 1)


@pytest.mark.parametrize('channels', [3, 6])
def test_loss_is_finite_and_trains_the_online_encoder_only(channels):
    torch.manual_seed(0)
    model = DenseBYOLPretrainer(**TINY)
    model.init_weights()
    batch = model.data_preprocessor(dict(inputs=[torch.randint(0, 256, (channels, 32, 64), dtype=torch.uint8)
                                                 for _ in range(3)]), training=True)
    losses = model(batch['inputs'], mode='loss')
    assert set(losses) == {'loss_dense'} and 0 <= losses['loss_dense'] <= 4
    losses['loss_dense'].backward()
    assert model.encoder.patch_embed.proj.weight.grad.abs().sum() > 0
    assert model.predictor[0].weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.target.parameters())


def test_tensor_mode_gives_teacher_tokens():
    model = DenseBYOLPretrainer(**TINY).eval()
    tokens = model(torch.rand(2, 6, 32, 64) * 255, mode='tensor')
    assert tokens.shape == (2, 1 + 2 * 4, 32)


def test_bad_inputs():
    model = DenseBYOLPretrainer(**TINY)
    with pytest.raises(ValueError, match='image \\+ style twin'):
        model(torch.rand(2, 4, 32, 64), mode='loss')
    with pytest.raises(ValueError, match='multiples of the patch size'):
        DenseBYOLPretrainer(**dict(TINY, local_size=(20, 32)))
    with pytest.raises(ValueError, match='momentum'):
        DenseBYOLPretrainer(**dict(TINY, momentum=1.0))
    with pytest.raises(ValueError, match="mode must be"):
        model(torch.rand(2, 3, 32, 64), mode='predict')
