"""Post-training int8 quantization of a SAM image encoder: int8 kernels in, masks close to float."""
import pytest
import torch
import torch.ao.nn.quantized as nnq
import torch.ao.nn.quantized.dynamic as nnqd
from torch import nn

from mmkd.models.sam import SamPrompts, build_sam, decode_masks
from mmkd.models.sam.quantization import quantize_sam_image_encoder

# torch deprecates torch.ao.quantization in favour of torchao (not installed); the API still works
pytestmark = pytest.mark.filterwarnings('ignore:torch.ao.quantization is deprecated:DeprecationWarning')

# a small timm ViT student at 64 px (4x4 tokens of patch 16 -> 8x8 embedding)
STUDENT = dict(image_encoder=dict(type='mmkd.TimmSamImageEncoder', model_name='vit_tiny_patch16_224', img_size=64,
                                  embedding_size=8, out_chans=64,
                                  timm_kwargs=dict(img_size=64, patch_size=8, depth=2, embed_dim=64, num_heads=2)),
               prompt_embed_dim=64, decoder_mlp_dim=128, decoder_num_heads=2, iou_head_hidden_dim=32)


@pytest.fixture(scope='module')
def sam():
    torch.manual_seed(0)
    return build_sam(**STUDENT).eval()


@pytest.fixture(scope='module')
def images():
    g = torch.Generator().manual_seed(0)
    return [torch.randn(2, 3, 64, 64, generator=g) for _ in range(3)]


def rel_error(a, b):
    return ((a - b).abs().mean() / b.abs().mean()).item()


@pytest.mark.parametrize('mode, int8_type', [('static', nnq.Linear), ('dynamic', nnqd.Linear)])
def test_quantized_encoder_runs_int8_and_stays_close(sam, images, mode, int8_type):
    q = quantize_sam_image_encoder(sam, mode, calibration=images[:2])
    assert any(isinstance(m, int8_type) for m in q.image_encoder.modules())
    assert not any(type(m) is nn.Linear for m in q.image_encoder.modules())  # every Linear converted
    assert any(type(m) is nn.Linear for m in sam.image_encoder.modules())   # the original is untouched
    x = images[2]  # not a calibration batch
    prompts = SamPrompts(torch.tensor([0, 1]), torch.tensor([[[20.0, 30.0]], [[40.0, 12.0]]]),
                         torch.ones(2, 1, dtype=torch.long))
    with torch.no_grad():
        emb_f, emb_q = sam.image_encoder(x), q.image_encoder(x)
        masks_f, masks_q = decode_masks(sam, emb_f, prompts).masks, decode_masks(q, emb_q, prompts).masks
    assert emb_q.dtype == torch.float32 and emb_q.shape == emb_f.shape == (2, 64, 8, 8)
    assert rel_error(emb_q, emb_f) < 0.1
    assert rel_error(masks_q, masks_f) < 0.1
    assert ((masks_q > 0) == (masks_f > 0)).float().mean() > 0.9


def test_bad_arguments_are_named(sam, images):
    with pytest.raises(ValueError, match='calibration'):
        quantize_sam_image_encoder(sam, 'static')
    with pytest.raises(ValueError, match=r'calibration batch 0 has shape \(2, 3, 32, 32\)'):
        quantize_sam_image_encoder(sam, 'static', calibration=[torch.zeros(2, 3, 32, 32)])
    with pytest.raises(ValueError, match="mode must be one of"):
        quantize_sam_image_encoder(sam, 'int4')
