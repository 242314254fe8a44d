"""MaskedTokenStudent: token layout, two views in loss mode, masking only where asked."""
import pytest
import torch

pytest.importorskip('timm')

from mmkd.models.foundation import MaskedTokenStudent  # noqa: E402
from mmkd.models.recorders import RecorderManager  # noqa: E402

TINY_VIT = dict(arch='vit_small_patch16_224', arch_cfg=dict(img_size=(32, 64), embed_dim=32, depth=1, num_heads=2))
TINY_CNN = dict(arch='resnet18', arch_cfg=dict(channels=(8, 8, 16, 16), output_stride=16), token_grid=(2, 4))


def two_views(student, x):
    manager = RecorderManager(student, dict(plain=dict(type='ModuleOutputs', source='tokens', record_idx=0),
                                            masked=dict(type='ModuleOutputs', source='tokens', record_idx=1)),
                              'student')
    with manager.recording():
        assert student(x, mode='loss') == {}
    return manager.get('plain'), manager.get('masked')


@pytest.mark.parametrize('spec', [TINY_VIT, TINY_CNN], ids=['vit', 'cnn'])
def test_masked_view_changes_only_the_masked_samples(spec):
    torch.manual_seed(0)
    student = MaskedTokenStudent(**spec, mask_sample_ratio=0.5, mask_patch_ratio=0.5).eval()  # no dropout
    with torch.no_grad():
        student.mask_token.fill_(3.0)  # a mask token far from any patch
    x = torch.randn(4, 3, 32, 64)
    plain, masked = two_views(student, x)
    c = 32 if spec is TINY_VIT else 16
    assert plain.shape == masked.shape == (4, 1 + 8, c)
    masks = student.last_masks
    assert masks.shape == (4, 8) and masks.sum(1).tolist() == [4, 4, 0, 0]
    torch.testing.assert_close(masked[2:], plain[2:])  # unmasked samples: identical tokens
    assert not torch.allclose(masked[:2], plain[:2])
    torch.testing.assert_close(student(x), plain)  # tensor mode = the plain view


def test_no_masking_runs_one_view():
    student = MaskedTokenStudent(**TINY_VIT, mask_sample_ratio=0.0)
    calls = []
    student.tokens.register_forward_hook(lambda *a: calls.append(1))
    student(torch.randn(2, 3, 32, 64), mode='loss')
    assert len(calls) == 1 and student.last_masks is None


def test_mask_token_learns_through_the_masked_view():
    student = MaskedTokenStudent(**TINY_VIT)
    manager = RecorderManager(student, dict(masked=dict(type='ModuleOutputs', source='tokens', record_idx=1)),
                              'student')
    with manager.recording():
        student(torch.randn(2, 3, 32, 64), mode='loss')
    manager.get('masked').pow(2).mean().backward()
    assert student.mask_token.grad is not None and student.mask_token.grad.abs().sum() > 0


def test_clear_errors():
    with pytest.raises(ValueError, match='needs token_grid'):
        MaskedTokenStudent(arch='resnet18')
    with pytest.raises(ValueError, match='differs from the ViT'):
        MaskedTokenStudent(**TINY_VIT, token_grid=(4, 4))
    with pytest.raises(ValueError, match='download'):
        MaskedTokenStudent(arch='resnet18', arch_cfg=dict(pretrained=True), token_grid=(1, 1))
    with pytest.raises(ValueError, match="mode must be 'tensor' or 'loss'"):
        MaskedTokenStudent(**TINY_VIT)(torch.randn(1, 3, 32, 64), mode='predict')
