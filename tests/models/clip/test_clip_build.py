"""Building open_clip models offline, the tokenizer, the teacher wrapper, category text embeddings."""
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.clip import (CLIPTeacher, build_clip_tokenizer, build_open_clip, category_text_embeddings,
                              clip_normalize)
from mmkd.registry import MODELS


@pytest.fixture(scope='module')
def teacher():
    torch.manual_seed(0)
    return MODELS.build(dict(type='CLIPTeacher', model_name='mmkd-tiny-vit-64'))


def test_bad_names_and_arguments_are_named():
    with pytest.raises(ValueError, match='closest'):
        build_open_clip('ViT-B-33')
    with pytest.raises(ValueError, match='hf-hub'):
        build_open_clip('hf-hub:org/model')
    with pytest.raises(ValueError, match='exactly one'):
        build_open_clip()
    with pytest.raises(ValueError, match='download'):
        build_open_clip('ViT-B-32', pretrained='openai')
    with pytest.raises(KeyError, match='text_cfg'):
        build_open_clip(model_cfg=dict(embed_dim=8, vision_cfg=dict()))


def test_teacher_is_frozen_and_encodes(teacher):
    assert not any(p.requires_grad for p in teacher.parameters())
    teacher.train()
    assert not teacher.training and not teacher.clip.training
    images = clip_normalize(torch.randint(0, 256, (2, 3, 64, 64)).float())
    emb = teacher(images)
    assert emb.shape == (2, 128)
    torch.testing.assert_close(emb.norm(dim=-1), torch.ones(2))
    assert teacher.tokenizer(['a photo of a star.']).shape == (1, 32)


def test_category_embeddings_are_normalised_prompt_means(teacher):
    names = ['circle', 'traffic_light']
    templates = ['a photo of a {name}.', 'a drawing of the {name}.']
    got = category_text_embeddings(teacher.clip, names, templates)
    tokenizer = build_clip_tokenizer(teacher.clip)
    expected = []
    for name in ['circle', 'traffic light']:
        prompts = [t.format(name=name) for t in templates]
        with torch.no_grad():
            per_prompt = F.normalize(teacher.clip.encode_text(tokenizer(prompts)), dim=-1)
        expected.append(F.normalize(per_prompt.mean(0), dim=0))
    torch.testing.assert_close(got, torch.stack(expected), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(teacher.embed_categories(names, templates), got)


def test_template_without_placeholder_is_refused(teacher):
    with pytest.raises(ValueError, match='placeholder'):
        category_text_embeddings(teacher.clip, ['circle'], ['a photo.'])


def test_clip_normalize_range_and_bgr():
    white_red = torch.zeros(1, 3, 1, 1)
    white_red[0, 2] = 255.0  # BGR red
    out = clip_normalize(white_red, mean=(0, 0, 0), std=(1, 1, 1), bgr_to_rgb=True)
    assert out.flatten().tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match=r'\(B, 3, H, W\)'):
        clip_normalize(torch.zeros(3, 4, 4))
