"""The dense contrastive teacher pre-training: InfoNCE on known tensors, the loss on a batch, bad inputs."""
import math

import pytest
import torch

pytest.importorskip('timm')

from mmkd.models.foundation import DenseContrastPretrainer  # noqa: E402
from mmkd.models.foundation.dense_contrast_pretrainer import info_nce  # noqa: E402

TINY = dict(arch='vit_small_patch16_224', arch_cfg=dict(img_size=(32, 64), embed_dim=32, depth=1, num_heads=2),
            local_size=(16, 32), num_local=2, points=4, hidden_dim=16, proj_dim=8)


def test_info_nce_known_values():
    eye = torch.eye(3)
    # logits = I / t: each row's positive has logit 1/t, the two negatives 0
    assert torch.isclose(info_nce(eye, eye, 1.0), torch.tensor(math.log(1 + 2 / math.e)))
    assert torch.isclose(info_nce(eye, eye, 0.5), torch.tensor(math.log(1 + 2 / math.e ** 2)))
    # scale does not matter (rows are L2-normalised); swapping the keys makes every positive a negative
    assert torch.isclose(info_nce(3 * eye, eye, 1.0), info_nce(eye, eye, 1.0))
    swapped = eye[[1, 0, 2]]
    assert info_nce(eye, swapped, 1.0) > info_nce(eye, eye, 1.0)


def test_info_nce_bad_shapes():
    with pytest.raises(ValueError, match='info_nce'):
        info_nce(torch.rand(3, 4), torch.rand(2, 4), 0.2)


@pytest.mark.parametrize('channels', [3, 6])
def test_loss_is_finite_and_trains_the_encoder(channels):
    torch.manual_seed(0)
    model = DenseContrastPretrainer(**TINY)
    batch = model.data_preprocessor(dict(inputs=[torch.randint(0, 256, (channels, 32, 64), dtype=torch.uint8)
                                                 for _ in range(3)]), training=True)
    losses = model(batch['inputs'], mode='loss')
    assert set(losses) == {'loss_dense', 'loss_global'} and all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert model.encoder.patch_embed.proj.weight.grad.abs().sum() > 0
    assert model.encoder.pos_embed.grad is not None


def test_tensor_mode_gives_teacher_tokens():
    model = DenseContrastPretrainer(**TINY).eval()
    tokens = model(torch.rand(2, 6, 32, 64) * 255, mode='tensor')
    assert tokens.shape == (2, 1 + 2 * 4, 32)


def test_bad_inputs():
    model = DenseContrastPretrainer(**TINY)
    with pytest.raises(ValueError, match='image \\+ style twin'):
        model(torch.rand(2, 4, 32, 64), mode='loss')
    with pytest.raises(ValueError, match='multiples of the patch size'):
        DenseContrastPretrainer(**dict(TINY, local_size=(20, 32)))
    with pytest.raises(ValueError, match="mode must be"):
        model(torch.rand(2, 3, 32, 64), mode='predict')
