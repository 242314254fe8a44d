"""SAM models by official name or by size; a timm student with the teacher's embedding shape."""
import numpy as np
import pytest
import torch
from segment_anything import SamPredictor
from segment_anything.modeling import ImageEncoderViT, Sam

from mmkd.models.sam import TimmSamImageEncoder, build_sam
from mmkd.registry import MODELS

# a 128 px teacher with SAM's 256-channel embedding at 16x16 (patch 8), small enough for CPU
TEACHER = dict(img_size=128, patch_size=8, encoder_embed_dim=64, encoder_depth=2, encoder_num_heads=2,
               encoder_global_attn_indexes=(1,), encoder_window_size=8, decoder_mlp_dim=256)
STUDENT_ENCODER = dict(type='mmkd.TimmSamImageEncoder', model_name='vit_tiny_patch16_224', img_size=128,
                       embedding_size=16, out_chans=256)


# timm's own ViT sizes: 128 px input, patch 16 -> 8x8 tokens, resized to the 16x16 embedding
TIMM_VIT = dict(img_size=128, patch_size=16, depth=2, embed_dim=32, num_heads=2)


@pytest.fixture(scope='module')
def teacher():
    torch.manual_seed(0)
    return build_sam(**TEACHER)


def test_small_teacher_shapes(teacher):
    assert isinstance(teacher, Sam) and isinstance(teacher.image_encoder, ImageEncoderViT)
    emb = teacher.image_encoder(torch.zeros(2, 3, 128, 128))
    assert emb.shape == (2, 256, 16, 16)
    assert teacher.prompt_encoder.image_embedding_size == (16, 16)
    assert teacher.prompt_encoder.input_image_size == (128, 128)
    assert teacher.mask_decoder.num_mask_tokens == 4


def test_timm_student_matches_teacher_embedding(teacher):
    student = build_sam(image_encoder=dict(STUDENT_ENCODER, timm_kwargs=TIMM_VIT), decoder_mlp_dim=256)
    assert isinstance(student.image_encoder, TimmSamImageEncoder)
    emb = student.image_encoder(torch.zeros(1, 3, 128, 128))
    assert emb.shape == teacher.image_encoder(torch.zeros(1, 3, 128, 128)).shape
    # same prompt encoder / decoder layout as the teacher: the teacher's decoder weights load into it
    decoder_keys = {k: v.shape for k, v in teacher.state_dict().items() if not k.startswith('image_encoder.')}
    assert decoder_keys == {k: v.shape for k, v in student.state_dict().items() if not k.startswith('image_encoder.')}
    assert sum(p.numel() for p in student.image_encoder.parameters()) < \
        sum(p.numel() for p in teacher.image_encoder.parameters())


def test_tiny_vit_student_as_in_tinysam(teacher):
    # TinySAM's student encoder is TinyViT; timm's, shrunk, with its stride-16 stage as the embedding
    encoder = dict(type='mmkd.TimmSamImageEncoder', model_name='tiny_vit_5m_224', img_size=128, embedding_size=16,
                   feature_index=2, timm_kwargs=dict(embed_dims=(32, 64, 80, 96), depths=(1, 1, 1, 1),
                                                     num_heads=(1, 2, 2, 3), window_sizes=(4, 4, 8, 4)))
    student = build_sam(image_encoder=encoder, decoder_mlp_dim=256)
    assert student.image_encoder.backbone.feature_info.reduction() == [16]  # no resize needed
    assert student.image_encoder(torch.zeros(1, 3, 128, 128)).shape == (1, 256, 16, 16)


def test_library_predictor_runs_on_small_model(teacher):
    predictor = SamPredictor(teacher.eval())
    predictor.set_image(np.zeros((96, 128, 3), dtype=np.uint8))  # resized to long side 128
    masks, ious, low_res = predictor.predict(point_coords=np.array([[40.0, 30.0]]), point_labels=np.array([1]))
    assert masks.shape == (3, 96, 128) and ious.shape == (3,) and low_res.shape == (3, 64, 64)


def test_registry_and_argument_errors():
    sam = MODELS.build(dict(type='mmkd.build_sam', **TEACHER))
    assert isinstance(sam, Sam)
    with pytest.raises(KeyError, match=r"unknown arch 'vit_s'.*\['vit_b', 'vit_l', 'vit_h'\]"):
        build_sam('vit_s')
    with pytest.raises(ValueError, match=r"arch='vit_b' fixes every size, so \['img_size'\] cannot be set"):
        build_sam('vit_b', img_size=128)
    with pytest.raises(TypeError, match=r"unknown arguments \['embed_dim'\]"):
        build_sam(embed_dim=64)
    with pytest.raises(ValueError, match=r'global_attn_indexes \[5\] name blocks \[5\] outside 0..1'):
        build_sam(**{**TEACHER, 'encoder_global_attn_indexes': (5,)})
    with pytest.raises(ValueError, match=r'gives 128-channel embeddings, but prompt_embed_dim=256'):
        build_sam(image_encoder=dict(STUDENT_ENCODER, out_chans=128, timm_kwargs=TIMM_VIT))
    with pytest.raises(ValueError, match=r"\['encoder_depth', 'img_size'\] size the default ViT encoder"):
        build_sam(image_encoder=dict(STUDENT_ENCODER, timm_kwargs=TIMM_VIT), img_size=128, encoder_depth=2)
    with pytest.raises(ValueError, match='without pretrained weights'):
        TimmSamImageEncoder('vit_tiny_patch16_224', img_size=128, embedding_size=16,
                            timm_kwargs=dict(pretrained=True))
