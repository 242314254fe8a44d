"""Foundation teachers built by name: official checkpoint layouts load strictly; one token layout."""
import pytest
import torch

timm = pytest.importorskip('timm')

from mmkd.models.foundation import FoundationCheckpointError, FoundationTeacher  # noqa: E402

DINO = dict(family='timm', arch='vit_small_patch14_dinov2')
TINY_DINO = dict(embed_dim=32, depth=2, num_heads=2)


def official_dinov2(tmp_path, registers: bool = False):
    """A random DINOv2 in the key layout of facebookresearch/dinov2's released ``*_pretrain.pth``:
    timm's keys plus ``mask_token`` (1, C), a 518 px position embedding with the class token's entry
    first, and for reg4 models ``register_tokens`` with the class token stored without its position."""
    arch = 'vit_small_patch14_reg4_dinov2' if registers else 'vit_small_patch14_dinov2'
    ref = timm.create_model(arch, pretrained=False, num_classes=0, img_size=518, **TINY_DINO)
    state = {k: v.clone() for k, v in ref.state_dict().items()}
    state['mask_token'] = torch.randn(1, 32)
    if registers:  # timm keeps pos_embed for patches only (no_embed_class); official has the class entry
        pos_cls = torch.randn(1, 1, 32)
        state['register_tokens'] = state.pop('reg_token')
        state['cls_token'] = state['cls_token'] - pos_cls
        state['pos_embed'] = torch.cat([pos_cls, state['pos_embed']], dim=1)
    path = tmp_path / f'{arch}_pretrain.pth'
    torch.save(state, path)
    return ref, path


@pytest.mark.parametrize('registers', [False, True], ids=['dinov2', 'dinov2_reg4'])
def test_official_dinov2_layout_loads_strictly(tmp_path, registers):
    ref, path = official_dinov2(tmp_path, registers)
    arch = 'vit_small_patch14_reg4_dinov2' if registers else 'vit_small_patch14_dinov2'
    # the teacher at another input size: timm's filter resamples the position embedding
    teacher = FoundationTeacher(family='timm', arch=arch, arch_cfg=dict(img_size=56, **TINY_DINO),
                                checkpoint=str(path))
    teacher.init_weights()  # the runner's call: configs build without the file
    got, want = teacher.encoder.state_dict(), ref.state_dict()
    for key in ('blocks.1.attn.qkv.weight', 'blocks.0.ls1.gamma', 'norm.weight', 'patch_embed.proj.weight',
                'cls_token'):
        torch.testing.assert_close(got[key], want[key])
    assert got['pos_embed'].shape[1] == (0 if registers else 1) + 16  # 56 / 14 = 4 -> 16 patches
    tokens = teacher(torch.randn(2, 3, 56, 56))
    assert tokens.shape == (2, 1 + 16, 32)  # class token + patches, registers dropped
    assert all(not p.requires_grad for p in teacher.parameters()) and not teacher.training


def test_official_dinov2_at_patch_16_as_in_gkd(tmp_path):
    """GKD's domain distillation resizes DINOv2's patch embedding 14 -> 16 px (timm's filter resamples it)."""
    _, path = official_dinov2(tmp_path)
    teacher = FoundationTeacher(**DINO, arch_cfg=dict(img_size=64, patch_size=16, **TINY_DINO), checkpoint=str(path))
    teacher.init_weights()
    assert teacher.encoder.patch_embed.proj.weight.shape == (32, 3, 16, 16) and teacher.grid == (4, 4)
    assert teacher(torch.randn(1, 3, 64, 64)).shape == (1, 1 + 16, 32)


def test_wrong_architecture_names_the_keys(tmp_path):
    _, path = official_dinov2(tmp_path)
    with pytest.raises(FoundationCheckpointError, match='shape mismatches'):
        FoundationTeacher(**DINO, arch_cfg=dict(img_size=56, embed_dim=48, depth=2, num_heads=2),
                          checkpoint=str(path)).init_weights()
    with pytest.raises(FoundationCheckpointError, match='missing keys'):
        FoundationTeacher(**DINO, arch_cfg=dict(img_size=56, embed_dim=32, depth=3, num_heads=2),
                          checkpoint=str(path)).init_weights()
    with pytest.raises(FileNotFoundError, match='not found'):
        FoundationTeacher(**DINO, arch_cfg=dict(img_size=56, **TINY_DINO), checkpoint='nope.pth').init_weights()


def test_eva02_official_layout_loads_strictly(tmp_path):
    arch_cfg = dict(img_size=28, embed_dim=32, depth=2, num_heads=2)
    ref = timm.create_model('eva02_tiny_patch14_224', pretrained=False, num_classes=0, **arch_cfg)
    state = eva02_official_layout(ref.state_dict())
    path = tmp_path / 'eva02_T_pt_in21k_p14.pt'
    torch.save({'module': state}, path)  # baaivision/EVA's files wrap the weights
    teacher = FoundationTeacher(family='timm', arch='eva02_tiny_patch14_224', arch_cfg=arch_cfg, checkpoint=str(path))
    teacher.init_weights()
    got = teacher.encoder.state_dict()
    for key, value in ref.state_dict().items():
        if 'rope' not in key:
            torch.testing.assert_close(got[key], value, msg=key)
    x = torch.randn(1, 3, 28, 28)
    tokens = teacher(x)
    assert tokens.shape == (1, 1 + 4, 32)
    # the tokens carry EVA's final norm (fc_norm in timm), unlike forward_features' output
    torch.testing.assert_close(tokens, ref.fc_norm(ref.forward_features(x)))


def eva02_official_layout(timm_state):
    """timm's EVA02 keys -> baaivision/EVA's MIM checkpoint keys (the inverse of timm's eva filter)."""
    out = {}
    for key, value in timm_state.items():
        if 'rope' in key:
            continue
        key = (key.replace('mlp.fc1_g', 'mlp.w1').replace('mlp.fc1_x', 'mlp.w2').replace('mlp.fc2', 'mlp.w3')
               .replace('mlp.norm', 'mlp.ffn_ln').replace('attn.norm', 'attn.inner_attn_ln')
               .replace('q_proj.bias', 'q_bias').replace('v_proj.bias', 'v_bias'))
        if key.startswith('fc_norm.'):  # the MIM checkpoints' final norm, which timm applies after pooling
            key = key[len('fc_'):]
        out[key] = value.clone()
    out['mask_token'] = torch.zeros(1, 1, 32)
    out['lm_head.weight'], out['lm_head.bias'] = torch.zeros(10, 32), torch.zeros(10)
    return out


def test_open_clip_tower_from_a_whole_clip_checkpoint(tmp_path):
    pytest.importorskip('open_clip')
    from mmkd.models.clip import build_open_clip
    torch.manual_seed(0)
    clip = build_open_clip('mmkd-tiny-vit-64')
    path = tmp_path / 'clip.pt'
    torch.save(clip.state_dict(), path)
    teacher = FoundationTeacher(family='open_clip', arch='mmkd-tiny-vit-64', checkpoint=str(path))
    teacher.init_weights()
    torch.testing.assert_close(teacher.encoder.conv1.weight, clip.visual.conv1.weight)
    tokens = teacher(torch.randn(2, 3, 64, 64))
    assert tokens.shape == (2, 1 + 64, 128) and teacher.input_size == (64, 64) and teacher.grid == (8, 8)
    assert teacher.mean[0] == pytest.approx(0.48145466 * 255)


def test_sam_image_encoder(tmp_path):
    pytest.importorskip('segment_anything')
    from mmkd.models.sam import build_sam
    sizes = dict(img_size=64, patch_size=8, encoder_embed_dim=32, encoder_depth=2, encoder_num_heads=2,
                 encoder_global_attn_indexes=(1,), encoder_window_size=4, prompt_embed_dim=32,
                 decoder_mlp_dim=64, decoder_num_heads=2, iou_head_hidden_dim=32)
    torch.manual_seed(0)
    sam = build_sam(**sizes)
    path = tmp_path / 'sam.pth'
    torch.save(sam.state_dict(), path)
    teacher = FoundationTeacher(family='sam', arch_cfg=sizes, checkpoint=str(path))
    teacher.init_weights()
    torch.testing.assert_close(teacher.encoder.patch_embed.proj.weight, sam.image_encoder.patch_embed.proj.weight)
    tokens = teacher(torch.randn(1, 3, 64, 64))
    assert tokens.shape == (1, 1 + 64, 32) and teacher.grid == (8, 8)
    torch.testing.assert_close(tokens[:, 0], tokens[:, 1:].mean(1))  # no class token: the patch mean


def test_names_and_errors():
    with pytest.raises(KeyError, match='dinov2_vitb14'):
        FoundationTeacher(name='dinov3')
    with pytest.raises(ValueError, match='family'):
        FoundationTeacher(family='hub', arch='x')
    teacher = FoundationTeacher(**DINO, arch_cfg=dict(img_size=28, **TINY_DINO))
    with pytest.raises(ValueError, match='RenormalizedInput'):
        teacher(torch.randn(1, 3, 32, 32))
    with pytest.raises(ValueError, match="mode='tensor'"):
        teacher(torch.randn(1, 3, 28, 28), mode='loss')
