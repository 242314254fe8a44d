"""GKD stage 2: the distilled backbone is read by path and stays frozen while the head learns."""
import pytest
import torch

pytest.importorskip('timm')
pytest.importorskip('mmseg')

from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmkd.models.foundation import FrozenTimmBackbone, MaskedTokenStudent  # noqa: E402
from mmkd.registry import MODELS  # noqa: E402

VIT = dict(arch='vit_small_patch16_224', arch_cfg=dict(img_size=(32, 64), embed_dim=16, depth=2, num_heads=2))


def segmentor(ckpt=None):
    init_default_scope('mmkd')
    return MODELS.build(dict(
        _scope_='mmseg', type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[0, 0, 0], std=[255, 255, 255], size=(32, 64)),
        backbone=dict(type='mmkd.FrozenTimmBackbone', **VIT, out_indices=(0, 1), ckpt=ckpt),
        decode_head=dict(type='FCNHead', in_channels=[16, 16], in_index=(0, 1), input_transform='resize_concat',
                         channels=8, num_convs=1, concat_input=False, num_classes=3,
                         norm_cfg=dict(type='BN', requires_grad=True)),
        train_cfg=dict(), test_cfg=dict(mode='whole')))


def seg_batch():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        s = SegDataSample(metainfo=dict(img_shape=(32, 64), ori_shape=(32, 64), pad_shape=(32, 64)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, 32, 64), generator=g))
        samples.append(s)
    return dict(inputs=[torch.randint(0, 256, (3, 32, 64), generator=g, dtype=torch.uint8) for _ in range(2)],
                data_samples=samples)


def test_backbone_weights_unchanged_after_an_optimiser_step(tmp_path):
    torch.manual_seed(0)
    student = MaskedTokenStudent(**VIT)
    path = tmp_path / 'student_latest.pth'
    torch.save({'state_dict': student.state_dict()}, path)  # as StudentCheckpointHook writes it
    model = segmentor(str(path))
    model.init_weights()
    for key, value in student.backbone.state_dict().items():  # stage 2 reads stage 1's student by path
        torch.testing.assert_close(model.backbone.backbone.state_dict()[key], value)
    model.train()
    assert not model.backbone.backbone.training and model.decode_head.training
    before = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    head_before = model.decode_head.conv_seg.weight.clone()
    wrapper = build_optim_wrapper(model, dict(optimizer=dict(type='AdamW', lr=0.1, weight_decay=0.05)))
    for _ in range(2):
        model.train_step(seg_batch(), wrapper)
    for key, value in model.backbone.state_dict().items():
        torch.testing.assert_close(value, before[key], msg=key)
    assert all(p.grad is None for p in model.backbone.parameters())
    assert not torch.equal(model.decode_head.conv_seg.weight, head_before)


def test_feature_maps_and_unfrozen_option():
    backbone = FrozenTimmBackbone(**VIT, out_indices=(0, 1))
    maps = backbone(torch.randn(1, 3, 32, 64))
    assert [tuple(m.shape) for m in maps] == [(1, 16, 2, 4)] * 2
    cnn = FrozenTimmBackbone(arch='resnet18', arch_cfg=dict(channels=(8, 8, 16, 16), output_stride=16),
                             out_indices=(2, 3, 4), frozen=False)
    assert [tuple(m.shape[1:]) for m in cnn(torch.randn(1, 3, 32, 64))] == [(8, 4, 8), (16, 2, 4), (16, 2, 4)]
    assert all(p.requires_grad for p in cnn.parameters())
