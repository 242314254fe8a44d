"""Loading CLIP checkpoints: official ViT-B-32 layout strictly, wrappers, clear errors."""
import argparse

import pytest
import torch
from torch import nn

from mmkd.models.clip import (CLIPCheckpointError, build_open_clip, is_torchscript_archive,
                              load_clip_checkpoint)


@pytest.fixture(scope='module')
def vit_b32():
    torch.manual_seed(0)
    return build_open_clip('ViT-B-32')


@pytest.fixture(scope='module')
def vit_b32_file(vit_b32, tmp_path_factory):
    """A ViT-B-32 state dict saved with the official key names, in float16 as OpenAI ships them."""
    path = tmp_path_factory.mktemp('clip') / 'vit_b32.pt'
    torch.save({k: v.half() for k, v in vit_b32.state_dict().items()}, path)
    return path


def test_vit_b32_checkpoint_loads_strictly(vit_b32, vit_b32_file):
    saved = torch.load(vit_b32_file, weights_only=True)
    assert 'visual.class_embedding' in saved and 'token_embedding.weight' in saved  # official names
    with torch.no_grad():  # perturb, so the load has something to restore
        vit_b32.visual.conv1.weight.zero_()
        vit_b32.logit_scale.fill_(-3.0)
    result = load_clip_checkpoint(vit_b32, str(vit_b32_file))
    assert result.missing_keys == [] and result.unexpected_keys == [] and result.shape_mismatches == []
    for key in ('visual.conv1.weight', 'logit_scale', 'transformer.resblocks.11.mlp.c_proj.weight'):
        torch.testing.assert_close(vit_b32.state_dict()[key], saved[key].float(), rtol=0, atol=0)


def test_wrong_layout_names_the_file_and_keys(vit_b32, tmp_path):
    small = build_open_clip('mmkd-tiny-vit-64')
    path = tmp_path / 'tiny.pt'
    torch.save(small.state_dict(), path)
    with pytest.raises(CLIPCheckpointError) as info:
        load_clip_checkpoint(vit_b32, str(path))
    message = str(info.value)
    assert str(path) in message
    assert 'missing keys' in message and 'visual.transformer.resblocks.4.ln_1.weight' in message
    assert 'shape mismatches' in message and 'visual.conv1.weight' in message


def _tiny():
    torch.manual_seed(1)
    return build_open_clip('mmkd-tiny-vit-64')


def test_training_checkpoint_wrappers_and_openai_extras(tmp_path):
    source, target = _tiny(), _tiny()
    with torch.no_grad():
        target.visual.proj.zero_()
    state = {f'module.{k}': v for k, v in source.state_dict().items()}
    state.update(input_resolution=torch.tensor(64), context_length=torch.tensor(32),
                 vocab_size=torch.tensor(49408))
    path = tmp_path / 'epoch_1.pt'
    torch.save({'epoch': 1, 'name': 'run', 'state_dict': state}, path)
    load_clip_checkpoint(target, str(path))
    torch.testing.assert_close(target.visual.proj, source.visual.proj)


def test_clip_layout_into_custom_text_clip(tmp_path):
    source = _tiny()
    from mmkd.models.clip import SMALL_CLIP_CONFIGS
    target = build_open_clip(model_cfg=dict(SMALL_CLIP_CONFIGS['mmkd-tiny-vit-64'], custom_text=True))
    path = tmp_path / 'clip_layout.pt'
    torch.save(source.state_dict(), path)
    load_clip_checkpoint(target, str(path))
    torch.testing.assert_close(target.text.token_embedding.weight, source.token_embedding.weight)


def test_non_strict_reports_instead_of_raising(tmp_path):
    model = _tiny()
    state = model.state_dict()
    state.pop('logit_scale')
    state['extra.weight'] = torch.zeros(1)
    path = tmp_path / 'partial.pt'
    torch.save(state, path)
    result = load_clip_checkpoint(model, str(path), strict=False)
    assert result.missing_keys == ['logit_scale'] and result.unexpected_keys == ['extra.weight']


def test_pickled_objects_need_the_weights_only_opt_out(tmp_path):
    model = nn.Linear(2, 2)
    path = tmp_path / 'with_args.pt'
    torch.save({'state_dict': model.state_dict(), 'args': argparse.Namespace(lr=1.0)}, path)
    with pytest.raises(CLIPCheckpointError, match='weights_only=False'):
        load_clip_checkpoint(nn.Linear(2, 2), str(path))
    target = nn.Linear(2, 2)
    load_clip_checkpoint(target, str(path), weights_only=False)
    torch.testing.assert_close(target.weight, model.weight)


@pytest.mark.filterwarnings('ignore:.*torch.jit.*:FutureWarning')
def test_torchscript_archive_is_refused_unless_allowed(tmp_path):
    model = nn.Linear(2, 2)
    path = tmp_path / 'ViT-B-32.pt'
    torch.jit.script(model).save(str(path))
    assert is_torchscript_archive(str(path))
    with pytest.raises(CLIPCheckpointError, match='TorchScript') as info:
        load_clip_checkpoint(nn.Linear(2, 2), str(path))
    assert 'allow_torchscript=True' in str(info.value) and str(path) in str(info.value)
    target = nn.Linear(2, 2)
    load_clip_checkpoint(target, str(path), allow_torchscript=True)
    torch.testing.assert_close(target.weight, model.weight)


def test_missing_file_and_non_state_dict(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pt'):
        load_clip_checkpoint(nn.Linear(2, 2), str(tmp_path / 'nope.pt'))
    path = tmp_path / 'list.pt'
    torch.save([torch.zeros(1)], path)
    with pytest.raises(CLIPCheckpointError, match='not a state dict'):
        load_clip_checkpoint(nn.Linear(2, 2), str(path))


def test_position_embeddings_resize_only_when_asked(tmp_path):
    from mmkd.models.clip import SMALL_CLIP_CONFIGS
    source = _tiny()  # 64 px, 8x8 patch grid
    cfg = dict(SMALL_CLIP_CONFIGS['mmkd-tiny-vit-64'])
    cfg['vision_cfg'] = dict(cfg['vision_cfg'], image_size=96)  # 12x12 grid
    target = build_open_clip(model_cfg=cfg)
    path = tmp_path / 'tiny64.pt'
    torch.save(source.state_dict(), path)
    with pytest.raises(CLIPCheckpointError, match='visual.positional_embedding'):
        load_clip_checkpoint(target, str(path))
    load_clip_checkpoint(target, str(path), resize_position_embeddings=True)
    assert target.visual.positional_embedding.shape == (145, 128)
    torch.testing.assert_close(target.visual.positional_embedding[0], source.visual.positional_embedding[0])


def test_teacher_loads_its_checkpoint(tmp_path):
    from mmkd.registry import MODELS
    source = _tiny()
    path = tmp_path / 'tiny.pt'
    torch.save({'state_dict': source.state_dict()}, path)
    teacher = MODELS.build(dict(type='CLIPTeacher', model_name='mmkd-tiny-vit-64', ckpt=str(path)))
    torch.testing.assert_close(teacher.clip.visual.proj, source.visual.proj)
