import math

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData
from mmseg.structures import SegDataSample
from torch import nn

from mmkd.models.losses import (FGDLoss, GcBlock, channel_attention, fgd_attention_loss, fgd_focal_loss,
                                fgd_global_loss, fgd_masks, fgd_masks_from_semseg, spatial_attention)
from mmkd.models.connectors import ChannelAlignConnector
from mmkd.registry import MODELS
from mmkd.structures import extract_ground_truth, gt_boxes

TEMP = 0.5



class AlignedFGD(FGDLoss):
    """FGD as a config composes it: ChannelAlignConnector -> preds_S, and the ground truth
    extracted from the data samples (``('data_samples', 'gt_boxes' | 'gt_sem_seg')``)."""

    def __init__(self, student_channels, teacher_channels, **kwargs):
        super().__init__(teacher_channels, **kwargs)
        self.align = ChannelAlignConnector(student_channels, teacher_channels).align

    def forward(self, preds_S, preds_T, data_samples):
        field = 'gt_sem_seg' if data_samples and all(
            getattr(s, 'gt_instances', None) is None and getattr(s, 'gt_sem_seg', None) is not None
            for s in data_samples) else 'gt_boxes'
        return super().forward(self.align(preds_S), preds_T, extract_ground_truth(field, data_samples))

# ------------------------------------------------------------ references
def np_masks(boxes_per_image, img_shapes, H, W):
    """Cell (h, w) lies in a box when [h, h+1) x [w, w+1) meets the scaled box."""
    N = len(boxes_per_image)
    fg = np.zeros((N, H, W))
    for n, (boxes, (img_h, img_w)) in enumerate(zip(boxes_per_image, img_shapes)):
        for x1, y1, x2, y2 in boxes:
            x1, x2 = x1 / img_w * W, x2 / img_w * W
            y1, y2 = y1 / img_h * H, y2 / img_h * H
            cells = [(h, w) for h in range(H) for w in range(W)
                     if h + 1 > y1 and h < y2 and w + 1 > x1 and w < x2]
            value = 1.0 / len(cells)
            for h, w in cells:
                fg[n, h, w] = max(fg[n, h, w], value)
    bg = np.zeros_like(fg)
    for n in range(N):
        rest = fg[n] == 0
        if rest.sum():
            bg[n][rest] = 1.0 / rest.sum()
    return fg, bg


def np_softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def np_attention(f):
    N, C, H, W = f.shape
    s = np.stack([H * W * np_softmax(np.abs(f[n]).mean(0).ravel() / TEMP).reshape(H, W) for n in range(N)])
    c = np.stack([C * np_softmax(np.abs(f[n]).mean((1, 2)) / TEMP) for n in range(N)])
    return s, c


def np_gc(x, block):
    """GcBlock by hand: x + W2(ReLU(LN(W1(sum_j softmax(W_k x)_j x_j))))."""
    p = {k: v.detach().double().numpy() for k, v in block.state_dict().items()}
    wk, bk = p['conv_mask.weight'][0, :, 0, 0], p['conv_mask.bias'][0]
    w1, b1 = p['channel_add.0.weight'][:, :, 0, 0], p['channel_add.0.bias']
    gamma, beta = p['channel_add.1.weight'].ravel(), p['channel_add.1.bias'].ravel()
    w2, b2 = p['channel_add.3.weight'][:, :, 0, 0], p['channel_add.3.bias']
    out = x.astype(np.float64).copy()
    N, C, H, W = x.shape
    for n in range(N):
        flat = x[n].reshape(C, H * W).astype(np.float64)
        context = flat @ np_softmax(wk @ flat + bk)
        y = w1 @ context + b1
        y = (y - y.mean()) / math.sqrt(y.var() + 1e-5) * gamma + beta
        out[n] += (w2 @ np.maximum(y, 0) + b2)[:, None, None]
    return out


def np_fgd(fs, ft, boxes, shapes, loss):
    fs, ft = fs.astype(np.float64), ft.astype(np.float64)
    N, C, H, W = ft.shape
    fg, bg = np_masks(boxes, shapes, H, W)
    s_t, c_t = np_attention(ft)
    s_s, c_s = np_attention(fs)
    fg_loss = bg_loss = 0.0
    for n in range(N):
        for c in range(C):
            for h in range(H):
                for w in range(W):
                    term = s_t[n, h, w] * c_t[n, c] * (ft[n, c, h, w] - fs[n, c, h, w]) ** 2
                    fg_loss += fg[n, h, w] * term
                    bg_loss += bg[n, h, w] * term
    at_loss = np.abs(c_s - c_t).sum() / N + np.abs(s_s - s_t).sum() / N
    glb_loss = ((np_gc(fs, loss.gc_student) - np_gc(ft, loss.gc_teacher)) ** 2).sum() / N
    return loss.loss_weight * (loss.alpha_fgd * fg_loss / N + loss.beta_fgd * bg_loss / N
                               + loss.gamma_fgd * at_loss + loss.lambda_fgd * glb_loss)


def det_samples(boxes_per_image, shape=(32, 32), img_shape=None):
    samples = []
    for boxes in boxes_per_image:
        sample = DetDataSample(metainfo=dict(batch_input_shape=shape, img_shape=img_shape or shape))
        sample.gt_instances = InstanceData(bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
                                           labels=torch.zeros(len(boxes), dtype=torch.long))
        samples.append(sample)
    return samples


def randomise(module, seed, std=0.3):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * std)


# ------------------------------------------------------------------ masks
def test_masks_for_a_known_box():
    # 32x32 image, 8x8 map: box (4, 8, 20, 16) -> x 1..5, y 2..4 -> 4 x 2 cells
    fg, bg = fgd_masks([torch.tensor([[4., 8., 20., 16.]])], [(32, 32)], (8, 8))
    assert fg.shape == bg.shape == (1, 8, 8)
    inside = torch.zeros(8, 8, dtype=torch.bool)
    inside[2:4, 1:5] = True
    assert torch.allclose(fg[0][inside], torch.full((8,), 1 / 8))
    assert torch.all(fg[0][~inside] == 0)
    assert torch.all(bg[0][inside] == 0)
    assert torch.allclose(bg[0][~inside], torch.full((56,), 1 / 56))
    assert bg.sum().item() == pytest.approx(1.0)


def test_masks_against_reference_with_overlaps_fractions_and_empty_images():
    boxes = [[[1.5, 2.0, 17.3, 9.9], [5.0, 5.0, 9.0, 7.0], [30.0, 0.0, 48.0, 20.0]], [], [[0.0, 0.0, 48.0, 32.0]]]
    shapes = [(32, 48), (32, 48), (32, 48)]
    fg, bg = fgd_masks([torch.tensor(b).reshape(-1, 4) for b in boxes], shapes, (5, 7))
    ref_fg, ref_bg = np_masks(boxes, shapes, 5, 7)
    assert np.allclose(fg.numpy(), ref_fg) and np.allclose(bg.numpy(), ref_bg)
    assert torch.all(fg[1] == 0) and bg[1].sum().item() == pytest.approx(1.0)  # no boxes: uniform background
    assert torch.all(bg[2] == 0)  # a box over the whole image: no background


def test_semseg_masks_for_a_known_label_map():
    # 4x4 labels -> 2x2 map: class 3 is foreground, 255 ignored, 0 background
    labels = torch.tensor([[[3, 3, 0, 0],
                            [3, 0, 0, 0],
                            [0, 0, 255, 255],
                            [0, 0, 255, 3]]])
    fg, bg = fgd_masks_from_semseg(labels, (2, 2), foreground_classes=[3])
    # foreground fraction per cell: 3/4, 0, 0, 1/4 -> normalised by their sum 1
    assert torch.allclose(fg[0], torch.tensor([[0.75, 0.0], [0.0, 0.25]]))
    # background fraction per cell: 1/4, 1, 1, 0 (ignored pixels count for neither) -> / 2.25
    assert torch.allclose(bg[0], torch.tensor([[0.25, 1.0], [1.0, 0.0]]) / 2.25)
    # an image without foreground: all-zero foreground mask, not NaN
    fg0, _ = fgd_masks_from_semseg(torch.zeros(1, 4, 4, dtype=torch.long), (2, 2), [3])
    assert torch.all(fg0 == 0)


def test_loss_reads_segmentation_data_samples():
    from mmengine.structures import PixelData
    labels = torch.zeros(2, 8, 8, dtype=torch.long)
    labels[:, :4, :4] = 11
    samples = []
    for i in range(2):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=labels[i:i + 1])
        samples.append(sample)
    loss = AlignedFGD(4, 4, alpha_fgd=1.0, beta_fgd=0.0, gamma_fgd=0.0, lambda_fgd=0.0, foreground_classes=[11])
    g = torch.Generator().manual_seed(0)
    fs, ft = torch.randn(2, 4, 4, 4, generator=g), torch.randn(2, 4, 4, 4, generator=g)
    # foreground = top-left 2x2 cells of the 4x4 map, each 1/4: only errors there count
    fg = torch.zeros(2, 4, 4)
    fg[:, :2, :2] = 0.25
    s_t, c_t = np_attention(ft.numpy())  # (N, H, W), (N, C)
    expected = (((ft - fs).double().numpy() ** 2) * s_t[:, None] * c_t[:, :, None, None]
                * fg.double().numpy()[:, None]).sum() / 2
    assert loss(fs, ft, samples).item() == pytest.approx(float(expected), rel=1e-5)
    with pytest.raises(ValueError, match='foreground_classes'):
        AlignedFGD(4, 4)(fs, ft, samples)


# -------------------------------------------------------------- attention
def test_attention_maps_against_reference_and_sums():
    f = torch.randn(2, 6, 4, 5, generator=torch.Generator().manual_seed(0))
    s, c = spatial_attention(f, TEMP), channel_attention(f, TEMP)
    assert s.shape == (2, 4, 5) and c.shape == (2, 6)
    assert torch.allclose(s.sum(dim=(1, 2)), torch.full((2,), 20.0))
    assert torch.allclose(c.sum(dim=1), torch.full((2,), 6.0))
    ref_s, ref_c = np_attention(f.numpy())
    assert np.allclose(s.numpy(), ref_s, rtol=1e-5) and np.allclose(c.numpy(), ref_c, rtol=1e-5)


# ------------------------------------------------------------------ terms
def test_each_term_is_zero_when_student_equals_teacher():
    f = torch.randn(2, 8, 6, 6)
    fg, bg = fgd_masks([torch.tensor([[0., 0., 16., 16.]])] * 2, [(32, 32)] * 2, (6, 6))
    s, c = spatial_attention(f), channel_attention(f)
    assert all(v.item() == 0 for v in fgd_focal_loss(f, f.clone(), fg, bg, s, c))
    assert fgd_attention_loss(s, s.clone(), c, c.clone()).item() == 0
    block = GcBlock(8)
    randomise(block, 1)
    twin = GcBlock(8)
    twin.load_state_dict(block.state_dict())
    assert fgd_global_loss(block(f), twin(f.clone())).item() == 0
    loss = AlignedFGD(8, 8)
    randomise(loss.gc_student, 2)
    loss.gc_teacher.load_state_dict(loss.gc_student.state_dict())
    assert loss(f, f.clone(), det_samples([[[0., 0., 16., 16.]], [[4., 4., 8., 30.]]])).item() == 0


def test_gcblock_is_identity_when_fresh_and_matches_reference():
    block = GcBlock(8)
    assert torch.all(block.channel_add[-1].weight == 0) and torch.all(block.channel_add[-1].bias == 0)
    x = torch.randn(2, 8, 5, 4)
    assert torch.equal(block(x), x)
    randomise(block, 3)
    assert np.allclose(block(x).detach().numpy(), np_gc(x.numpy(), block), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------- the module
def test_full_loss_against_reference():
    g = torch.Generator().manual_seed(4)
    f_s, f_t = torch.randn(2, 8, 6, 5, generator=g), torch.randn(2, 8, 6, 5, generator=g) * 2
    boxes = [[[2., 3., 20., 14.], [10., 10., 30., 28.]], [[0., 16., 12., 31.]]]
    loss = MODELS.build(dict(type='mmkd.FGDLoss', channels=8, gamma_fgd=5e-4, lambda_fgd=1e-3, loss_weight=2.0))
    assert isinstance(loss, FGDLoss) and not hasattr(loss, 'align')
    randomise(loss.gc_student, 5)
    randomise(loss.gc_teacher, 6)
    value = loss(f_s, f_t, gt_boxes(det_samples(boxes)))
    ref = np_fgd(f_s.numpy(), f_t.numpy(), boxes, [(32, 32)] * 2, loss)
    assert value.item() == pytest.approx(ref, rel=1e-4)


def test_defaults_and_loss_weight_scaling():
    loss = AlignedFGD(4, 4)
    assert (loss.temp, loss.alpha_fgd, loss.beta_fgd, loss.gamma_fgd, loss.lambda_fgd, loss.loss_weight) == \
        (0.5, 1e-3, 5e-4, 1e-3, 5e-6, 1.0)
    g = torch.Generator().manual_seed(7)
    f_s, f_t = torch.randn(2, 4, 4, 4, generator=g), torch.randn(2, 4, 4, 4, generator=g)
    samples = det_samples([[[0., 0., 10., 10.]], [[5., 5., 25., 20.]]])
    base = loss(f_s, f_t, samples)
    loss.loss_weight = 3.5
    assert loss(f_s, f_t, samples).item() == pytest.approx(3.5 * base.item(), rel=1e-6)


def test_any_level_size_with_the_same_samples_and_batch_input_shape():
    loss = AlignedFGD(4, 4)
    samples = det_samples([[[0., 0., 40., 24.]], [[8., 8., 16., 16.]]], shape=(64, 64), img_shape=(50, 60))
    for size in [(16, 16), (8, 8), (4, 4), (2, 2), (1, 1)]:
        f_s, f_t = torch.randn(2, 4, *size), torch.randn(2, 4, *size)
        ref = np_fgd(f_s.numpy(), f_t.numpy(), [[[0., 0., 40., 24.]], [[8., 8., 16., 16.]]],
                     [(64, 64)] * 2, loss)  # scaled by batch_input_shape, not img_shape
        assert loss(f_s, f_t, samples).item() == pytest.approx(ref, rel=1e-4)


def test_gradients_reach_student_and_student_gcblock_not_teacher_input():
    loss = AlignedFGD(4, 8)
    assert isinstance(loss.align, nn.Conv2d) and loss.align.in_channels == 4 and loss.align.out_channels == 8
    f_s = torch.randn(2, 4, 6, 6, requires_grad=True)
    f_t = torch.randn(2, 8, 6, 6)
    loss(f_s, f_t, det_samples([[[0., 0., 16., 16.]], [[4., 4., 8., 30.]]])).backward()
    assert f_s.grad is not None and f_s.grad.abs().sum() > 0
    assert f_t.grad is None
    assert loss.align.weight.grad.abs().sum() > 0
    assert loss.gc_student.channel_add[-1].weight.grad.abs().sum() > 0


def test_clear_errors():
    loss = AlignedFGD(4, 4)
    f = torch.randn(2, 4, 4, 4)
    with pytest.raises(ValueError, match='gt_instances'):
        loss(f, f, [SegDataSample(), SegDataSample()])
    with pytest.raises(ValueError, match='data_samples'):
        loss(f, f, None)
    with pytest.raises(ValueError, match='2 data samples for a feature batch of 3'):
        loss(torch.randn(3, 4, 4, 4), torch.randn(3, 4, 4, 4), det_samples([[], []]))
    with pytest.raises(ValueError, match=r'FGD expects.*\(2, 4, 4, 4\) and \(2, 4, 8, 8\)'):
        loss(f, torch.randn(2, 4, 8, 8), det_samples([[], []]))
