"""OFA exit branches: shapes at every stage of CNN and token students, structure per the paper."""
import pytest
import torch
from timm.layers import SeparableConvNormAct
from timm.models.vision_transformer import Block

from mmkd.models.connectors import OFABranch

# ResNet-18 at 224 px: (C, H) per stage; the reference's stage_info
RESNET18_224 = [(64, 56), (128, 28), (256, 14), (512, 7)]


def cnn_branch(stage, channels, grid, teacher_dim=192, num_classes=10):
    return OFABranch(feature=dict(layout='nchw', channels=channels, grid=grid), stage=stage, num_stages=4,
                     student_dim=512, teacher_dim=teacher_dim, num_classes=num_classes)


@pytest.mark.parametrize('stage', [1, 2, 3, 4])
def test_cnn_branch_resnet18_224(stage):
    channels, grid = RESNET18_224[stage - 1]
    branch = cnn_branch(stage, channels, grid)
    x = torch.randn(2, channels, grid, grid)
    features = branch.downsample(x)
    # every stage reaches the last stage's 7x7 grid at max(D_s, D_t) = 512 channels
    assert features.shape == (2, 512, 7, 7)
    assert branch(x).shape == (2, 10)
    sep_blocks = [m for m in branch.downsample.modules() if isinstance(m, SeparableConvNormAct)]
    assert len(sep_blocks) == 2 * (4 - stage)  # (4 - k) SepConvs of two separable convs each


def test_cnn_branch_width_is_the_wider_final_stage():
    branch = cnn_branch(2, 128, 28, teacher_dim=768)  # a Swin-T teacher is wider than ResNet-18
    assert branch.downsample(torch.randn(1, 128, 28, 28)).shape == (1, 768, 7, 7)
    assert branch.head[-1].in_features == 768


@pytest.mark.parametrize('stage', [1, 2, 3, 4])
def test_token_branch_deit_224(stage):
    # DeiT-T blocks at 224 px: 1 class token + 14x14 patches of width 192 -> one merge to 7x7
    branch = OFABranch(feature=dict(layout='nlc', channels=192, grid=14, prefix=1), stage=stage,
                       num_stages=4, student_dim=192, teacher_dim=512, num_classes=10)
    assert len(branch.merges) == 1
    assert len(branch.blocks) == max(4 - stage, 1)
    assert all(isinstance(b, Block) for b in branch.blocks)
    assert branch(torch.randn(2, 1 + 14 * 14, 192)).shape == (2, 10)


def test_token_branch_swin_stages_224():
    # timm Swin-T stages are (B, H, W, C); 56 -> 7 needs 3 merges, 7 needs none
    merges = {56: 3, 28: 2, 14: 1, 7: 0}
    for stage, (channels, grid) in enumerate([(96, 56), (192, 28), (384, 14), (768, 7)], 1):
        branch = OFABranch(feature=dict(layout='nhwc', channels=channels, grid=grid), stage=stage,
                           num_stages=4, student_dim=768, teacher_dim=512, num_classes=5)
        assert len(branch.merges) == merges[grid]
        assert branch(torch.randn(1, grid, grid, channels)).shape == (1, 5)


@pytest.mark.parametrize('stage', [1, 2, 3, 4])
@pytest.mark.parametrize('feature', [
    dict(layout='nlc', channels=64, grid=8, prefix=1),   # the embedded set's DeiT student
    dict(layout='nlc', channels=96, grid=8),             # its ResMLP student (no class token)
    dict(layout='nchw', channels=32, grid=8),            # its ResNet-18-w32 student, stage 1
])
def test_branches_of_the_32px_students(stage, feature):
    branch = OFABranch(feature=feature, stage=stage, num_stages=4, student_dim=feature['channels'],
                       teacher_dim=384, num_classes=16)
    shape = {'nlc': (feature.get('prefix', 0) + 64, feature['channels']),
             'nchw': (feature['channels'], 8, 8)}[feature['layout']]
    assert branch(torch.randn(3, *shape)).shape == (3, 16)


def test_class_token_is_pooled_when_present_average_otherwise():
    branch = OFABranch(feature=dict(layout='nlc', channels=8, grid=2, prefix=1), stage=4, num_stages=4,
                       student_dim=8, teacher_dim=8, num_classes=3, num_heads=2)
    branch.blocks = torch.nn.Identity()  # isolate the pooling
    x = torch.randn(1, 5, 8)
    torch.testing.assert_close(branch(x), branch.fc(x[:, 0]))
    no_cls = OFABranch(feature=dict(layout='nlc', channels=8, grid=2), stage=4, num_stages=4,
                       student_dim=8, teacher_dim=8, num_classes=3, num_heads=2)
    no_cls.blocks = torch.nn.Identity()
    torch.testing.assert_close(no_cls(x[:, 1:]), no_cls.fc(x[:, 1:].mean(1)))


def test_wrong_feature_shape_names_both_shapes():
    branch = cnn_branch(1, 64, 56)
    with pytest.raises(ValueError, match=r'stage 1.*\(B, 64, 56, 56\).*\(2, 64, 28, 28\)'):
        branch(torch.randn(2, 64, 28, 28))


def test_bad_arguments():
    with pytest.raises(ValueError, match='stage must be in 1..4'):
        cnn_branch(5, 64, 56)
    with pytest.raises(ValueError, match='not divisible by num_heads'):
        OFABranch(feature=dict(layout='nlc', channels=6, grid=4), stage=1, num_stages=4, student_dim=6,
                  teacher_dim=6, num_classes=3)
