"""Official SAM checkpoint layouts load strictly; a wrong layout is named, with the file."""
import gc
import os
import tempfile

import pytest
import torch
from segment_anything.build_sam import sam_model_registry

from mmkd.models.sam import build_sam, check_sam_state_dict, describe_sam_state_dict, load_sam_checkpoint
from helpers import TINY_SAM as TINY


@pytest.fixture(scope='module')
def vit_b():
    """segment_anything's own vit_b (random weights, ~360 MB), built once for the module.

    Its state dict is saved to a file, a few tensors are kept, then every
    parameter is zeroed, so a load must copy the values back, not just match keys.
    """
    torch.manual_seed(0)
    sam = sam_model_registry['vit_b']()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, 'sam_vit_b_random.pth')
        torch.save(sam.state_dict(), path)
        probes = {k: sam.state_dict()[k].clone() for k in (
            'image_encoder.blocks.11.attn.qkv.bias', 'image_encoder.blocks.2.attn.rel_pos_h',
            'mask_decoder.iou_token.weight', 'prompt_encoder.pe_layer.positional_encoding_gaussian_matrix')}
        with torch.no_grad():
            for tensor in sam.state_dict().values():
                tensor.zero_()
        yield sam, path, probes
    del sam
    gc.collect()


def test_vit_b_state_dict_loads_strictly(vit_b):
    sam, path, probes = vit_b
    load_sam_checkpoint(sam, path)
    state = sam.state_dict()
    for key, value in probes.items():
        assert torch.equal(state[key], value), key
    # mmkd's build_sam('vit_b') has exactly this layout (built on the meta device: no memory)
    with torch.device('meta'):
        meta = build_sam('vit_b')
    check_sam_state_dict(meta, state, source='the saved vit_b')


def test_wrong_layout_names_file_keys_and_layouts(vit_b, tmp_path):
    sam, _, _ = vit_b
    small = build_sam(**TINY)
    torch.save(small.state_dict(), tmp_path / 'small.pth')
    before = sam.state_dict()['mask_decoder.iou_token.weight'].clone()
    with pytest.raises(KeyError) as info:
        load_sam_checkpoint(sam, str(tmp_path / 'small.pth'))
    msg = str(info.value)
    assert str(tmp_path / 'small.pth') in msg
    assert 'missing keys' in msg and 'image_encoder.blocks.2.' in msg  # vit_b has 12 blocks, the file 2
    assert 'shape mismatches' in msg and 'image_encoder.patch_embed.proj.weight: file (32, 3, 8, 8) vs model ' \
        '(768, 3, 16, 16)' in msg
    assert 'file: ViT image encoder embed_dim=32, depth=2, patch 8, 8x8 tokens (not an official SAM size)' in msg
    assert 'model: ViT image encoder embed_dim=768, depth=12, patch 16, 64x64 tokens (official vit_b layout)' in msg
    # nothing was copied
    assert torch.equal(sam.state_dict()['mask_decoder.iou_token.weight'], before)


def test_missing_keys_listed_and_prefix(tmp_path):
    shallow = build_sam(**TINY)
    deep = build_sam(**{**TINY, 'encoder_depth': 3, 'encoder_global_attn_indexes': (2,)})
    torch.save(shallow.state_dict(), tmp_path / 'shallow.pth')
    with pytest.raises(KeyError, match=r'missing keys \(\d+\): \[.image_encoder\.blocks\.2\.'):
        load_sam_checkpoint(deep, str(tmp_path / 'shallow.pth'))
    # an mmengine-style checkpoint of a distillation run: the student under 'student.'
    torch.save({'state_dict': {f'student.{k}': v for k, v in shallow.state_dict().items()}, 'meta': {}},
               tmp_path / 'distill.pth')
    fresh = build_sam(**TINY)
    load_sam_checkpoint(fresh, str(tmp_path / 'distill.pth'), prefix='student.')
    assert all(torch.equal(v, shallow.state_dict()[k]) for k, v in fresh.state_dict().items())
    with pytest.raises(KeyError, match="no keys starting with 'teacher.'"):
        load_sam_checkpoint(fresh, str(tmp_path / 'distill.pth'), prefix='teacher.')


def test_weights_only_refuses_pickled_objects_unless_opted_out(tmp_path):
    sam = build_sam(**TINY)
    torch.save({'model': sam.state_dict(), 'extra': _Opaque()}, tmp_path / 'pickled.pth')
    with pytest.raises(RuntimeError, match='weights_only=True'):
        load_sam_checkpoint(sam, str(tmp_path / 'pickled.pth'))
    load_sam_checkpoint(sam, str(tmp_path / 'pickled.pth'), weights_only=False)
    with pytest.raises(FileNotFoundError, match='SAM checkpoint file not found'):
        load_sam_checkpoint(sam, str(tmp_path / 'absent.pth'))


def test_describe_without_image_encoder():
    assert describe_sam_state_dict({'w': torch.zeros(1)}).startswith('no SAM ViT image encoder')


class _Opaque:
    """A class a weights-only load must refuse."""
