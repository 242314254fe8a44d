"""Object-aware mask attention on open_clip's VisionTransformer, checked against the spec's formula."""
import pytest
import torch
import torch.nn.functional as F
from open_clip.transformer import VisionTransformer
from torch import nn

from mmkd.models.oadp import ObjectAwareEncoder, block_embeddings, global_embedding, object_embeddings


def _tower(layers=2, **kwargs):
    torch.manual_seed(0)
    return VisionTransformer(image_size=32, patch_size=8, width=32, layers=layers, heads=2, mlp_ratio=2.0,
                             output_dim=16, **kwargs).eval()


@pytest.fixture(scope='module')
def tower():
    return _tower()


def _images(n=2, seed=1):
    return torch.randn(n, 3, 32, 32, generator=torch.Generator().manual_seed(seed))


def _reference_object_token(visual, images, background, bias):
    """The spec's recursion written out block by block (independent of the hook implementation)."""
    x = visual.conv1(images).flatten(2).transpose(1, 2)
    x = torch.cat([visual.class_embedding.expand(len(x), 1, -1), x], dim=1) + visual.positional_embedding
    x = visual.ln_pre(x)
    y = x[:, :1]
    key_bias = torch.cat([torch.where(background, bias, 0.0), torch.zeros(len(x), 1)], dim=1)  # [patches; y]
    for block in visual.transformer.resblocks:
        heads = block.attn.num_heads
        kv = block.ln_1(torch.cat([x[:, 1:], y], dim=1))
        mask = key_bias[:, None, :].repeat_interleave(heads, dim=0)  # (B * heads, 1, P + 1)
        y = y + block.attn(block.ln_1(y), kv, kv, need_weights=False, attn_mask=mask)[0]
        y = y + block.mlp(block.ln_2(y))
        x = block(x)
    return F.normalize(visual.ln_post(y[:, 0]) @ visual.proj, dim=-1)


def test_all_foreground_object_token_equals_cls_output(tower):
    images = _images()
    with torch.no_grad():
        objects, crops = ObjectAwareEncoder(tower)(images, torch.zeros(2, 32, 32))
        plain = F.normalize(tower(images), dim=-1)
    torch.testing.assert_close(objects, plain, rtol=0, atol=1e-5)
    torch.testing.assert_close(crops, plain, rtol=0, atol=1e-6)  # the normal path is untouched
    assert not tower.transformer._forward_pre_hooks and not tower.transformer._forward_hooks


def test_background_mask_matches_the_formula_and_changes_the_result(tower):
    images = _images()
    masks = torch.ones(2, 32, 32)
    masks[0, 8:24, 8:24] = 0  # 2x2 foreground patches in the centre
    masks[1, :16, :] = 0      # top half
    encoder = ObjectAwareEncoder(tower, background_bias=-100.0)
    with torch.no_grad():
        objects, crops = encoder(images, masks)
        reference = _reference_object_token(tower, images, encoder.patch_background(masks), -100.0)
    torch.testing.assert_close(objects, reference, rtol=0, atol=1e-5)
    assert (objects - crops).norm(dim=-1).min() > 1e-2


def test_one_block_with_infinite_bias_ignores_masked_patches():
    visual = _tower(layers=1)
    encoder = ObjectAwareEncoder(visual, background_bias=float('-inf'))
    images = _images(1)
    masks = torch.ones(1, 32, 32)
    masks[0, :16, :16] = 0  # foreground: the top-left 2x2 patches
    changed = images.clone()
    changed[:, :, 16:, :] = torch.randn(1, 3, 16, 32)  # pixels of fully masked patches only
    with torch.no_grad():
        before, crop_before = encoder(images, masks)
        after, crop_after = encoder(changed, masks)
    torch.testing.assert_close(before, after, rtol=0, atol=1e-6)
    assert (crop_before - crop_after).norm() > 1e-3  # the ordinary embedding does see the change


def test_deeper_towers_still_see_background_through_foreground_patches(tower):
    # By design (as in OADP) only the object token's own attention is masked.
    encoder = ObjectAwareEncoder(tower, background_bias=float('-inf'))
    images = _images(1)
    masks = torch.ones(1, 32, 32)
    masks[0, :16, :16] = 0
    changed = images.clone()
    changed[:, :, 16:, :] += 3.0
    with torch.no_grad():
        assert (encoder(images, masks)[0] - encoder(changed, masks)[0]).norm() > 1e-4


def test_custom_attention_blocks_use_the_same_mask_layout():
    visual = _tower(qk_norm=True)  # open_clip's CustomResidualAttentionBlock / Attention
    images = _images()
    with torch.no_grad():
        objects, _ = ObjectAwareEncoder(visual)(images, torch.zeros(2, 4, 4))
        plain = F.normalize(visual(images), dim=-1)
    torch.testing.assert_close(objects, plain, rtol=0, atol=1e-5)


def test_patch_background_threshold():
    encoder = ObjectAwareEncoder(_tower(layers=1))
    masks = torch.zeros(1, 32, 32)
    masks[0, :8, :6] = 1  # 75 % of patch (0, 0)
    assert encoder.patch_background(masks)[0, 0]
    assert not ObjectAwareEncoder(encoder.visual, background_threshold=1.0).patch_background(masks)[0, 0]


def test_bad_towers_and_inputs_are_refused(tower):
    with pytest.raises(TypeError, match='VisionTransformer'):
        ObjectAwareEncoder(nn.Linear(2, 2))
    with pytest.raises(ValueError, match='pool_type'):
        ObjectAwareEncoder(_tower(layers=1, pool_type='avg'))
    with pytest.raises(ValueError, match=r'\(B, h, w\)'):
        ObjectAwareEncoder(tower)(_images(), torch.zeros(2, 1, 32, 32))
    dropping = _tower(layers=1, patch_dropout=0.5).train()  # patch dropout removes tokens in training
    with pytest.raises(RuntimeError, match='patch dropout'):
        ObjectAwareEncoder(dropping)(_images(), torch.zeros(2, 4, 4))
    assert not dropping.transformer._forward_pre_hooks and not dropping.transformer._forward_hooks
    assert not tower.transformer._forward_pre_hooks and not tower.transformer._forward_hooks


def test_oake_embeddings_of_one_image(tower):
    encoder = ObjectAwareEncoder(tower)
    image = _images(1)[0]

    def encode(x):
        return F.normalize(tower(x), dim=-1)

    # box of area 128 centred in the 32 px image: its adaptive square is the whole image
    box = torch.tensor([[8.0, 12, 24, 20]])
    with torch.no_grad():
        obj = object_embeddings(encoder, image, box)
        mask = torch.ones(1, 32, 32)
        mask[0, 12:20, 8:24] = 0
        direct, _ = encoder(image[None], mask)
        boxes, blocks = block_embeddings(encode, image, (32, 32), block_size=16, max_stride=16)
        glob = global_embedding(encode, image, (32, 32))
    torch.testing.assert_close(obj, direct, rtol=0, atol=1e-6)
    assert boxes.shape == (5, 4) and blocks.shape == (5, 16)
    torch.testing.assert_close(glob, encode(image[None])[0], rtol=0, atol=1e-6)
    torch.testing.assert_close(blocks[0], glob, rtol=0, atol=1e-6)
    assert object_embeddings(encoder, image, torch.zeros(0, 4)).shape == (0, 16)
