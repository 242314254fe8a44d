import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn

from mmkd.models.losses import (ACAMLoss, channel_masks, cross_attention_fusion, dice_coefficient,
                                joint_mask_diversity_loss, mask_diversity_loss, masked_distill_loss,
                                spatial_masks)
from mmkd.models.connectors import ChannelAlignConnector
from mmkd.registry import MODELS



class AlignedACAM(ACAMLoss):
    """ACAM-KD as a config composes it: the ChannelAlignConnector's conv phi feeds ``aligned_S``.

    Keeps these tests about the method (phi included) while phi itself lives
    in a connector, not in the loss.
    """

    def __init__(self, student_channels, teacher_channels, **kwargs):
        super().__init__(student_channels, teacher_channels, **kwargs)
        self.align = ChannelAlignConnector(student_channels, teacher_channels).align

    def _aligned(self, preds_S):  # None on a malformed student: the loss then names the shapes
        ok = preds_S.dim() == 4 and preds_S.shape[1] == self.student_channels
        return self.align(preds_S) if ok else None

    def compute(self, preds_S, preds_T, aligned_S=None):
        return super().compute(preds_S, preds_T, self._aligned(preds_S) if aligned_S is None else aligned_S)

    def forward(self, preds_S, preds_T, aligned_S=None):
        return super().forward(preds_S, preds_T, self._aligned(preds_S) if aligned_S is None else aligned_S)

# ------------------------------------------------------------ references
def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_conv1x1(x, conv):
    w = conv.weight.detach().double().numpy()[:, :, 0, 0]
    b = conv.bias.detach().double().numpy()
    return np.einsum('oc,nchw->nohw', w, x) + b[None, :, None, None]


def np_dice(a, b):
    return 2 * (a * b).sum() / ((a * a).sum() + (b * b).sum())


def np_acam(fs, ft, loss):
    """The loss by hand from the formulas (float64, loops over samples and masks)."""
    fs, ft = fs.astype(np.float64), ft.astype(np.float64)
    N, C, H, W = ft.shape
    aligned = fs if isinstance(loss.align, nn.Identity) else np_conv1x1(fs, loss.align)
    q, k, v = np_conv1x1(ft, loss.query), np_conv1x1(fs, loss.key), np_conv1x1(fs, loss.value)
    cq = q.shape[1]
    fused = np.zeros_like(ft)
    for n in range(N):
        Q, K, V = q[n].reshape(cq, -1).T, k[n].reshape(cq, -1).T, v[n].reshape(C, -1).T
        logits = Q @ K.T / math.sqrt(cq)
        A = np.exp(logits - logits.max(1, keepdims=True))
        A /= A.sum(1, keepdims=True)
        fused[n] = (A @ V).T.reshape(C, H, W)
    mc_u = loss.channel_units.detach().double().numpy()
    ms_u = loss.spatial_units.detach().double().numpy()
    M = mc_u.shape[0]
    distill = div = 0.0
    pairs = 0
    for n in range(N):
        gap = fused[n].mean((1, 2))
        mc = [np_sigmoid(mc_u[j] * gap) for j in range(M)]
        ms = [np_sigmoid(np.einsum('c,chw->hw', ms_u[j], fused[n])) for j in range(M)]
        sq = (ft[n] - aligned[n]) ** 2
        for j in range(M):
            e = (mc[j][:, None, None] * ms[j][None] * sq).sum()
            distill += e * C * H * W / (mc[j].sum() * ms[j].sum())
        # diversity: Dice between the joint masks Mask_c (x) Mask_s, each factor at unit mass
        joint = [np.einsum('c,hw->chw', mc[j] / mc[j].sum(), ms[j] / ms[j].sum()) for j in range(M)]
        for i, j in itertools.permutations(range(M), 2):
            div += np_dice(joint[i], joint[j])
            pairs += 1
    distill /= N * M
    div /= pairs
    return loss.loss_weight * (loss.alpha * distill + loss.beta * div), distill, div


def randomise(module, seed, std=0.3):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * std)


def feats(N=2, Cs=8, Ct=8, H=4, W=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(N, Cs, H, W, generator=g), torch.randn(N, Ct, H, W, generator=g)


# ---------------------------------------------------------------- pieces
def test_dice_of_a_mask_with_itself_is_one():
    a = torch.rand(3, 10) + 0.1
    assert torch.allclose(dice_coefficient(a, a), torch.ones(3))
    b = torch.tensor([1., 0., 1., 0.])
    assert dice_coefficient(b, 1 - b).item() == 0.0


def test_diversity_term_on_hand_made_masks():
    # 2x2 maps: two disjoint halves and one full mask, same mass after normalisation
    m0 = torch.tensor([[1., 1.], [0., 0.]])
    m1 = torch.tensor([[0., 0.], [1., 1.]])
    m2 = torch.ones(2, 2)
    masks = torch.stack([m0, m1, m2]).unsqueeze(0)  # (1, 3, 2, 2)
    # unit-mass masks: m0/2, m1/2, m2/4 -> Dice(m0, m1) = 0, Dice(m0, m2) = 2*(1/4)/(1/2 + 1/4) = 2/3
    expected = (0 + 2 / 3 + 0 + 2 / 3 + 2 / 3 + 2 / 3) / 6
    assert mask_diversity_loss(masks).item() == pytest.approx(expected)
    # scale invariant: halving one mask does not change the term (the collapse remedy)
    scaled = masks.clone()
    scaled[:, 2] *= 0.5
    assert mask_diversity_loss(scaled).item() == pytest.approx(expected)
    # identical masks: 1; one mask or a 1x1 map: 0
    assert mask_diversity_loss(m0.expand(1, 4, 2, 2)).item() == pytest.approx(1.0)
    assert mask_diversity_loss(masks[:, :1]).item() == 0.0
    assert mask_diversity_loss(torch.rand(2, 3, 1, 1)).item() == 0.0


def test_joint_diversity_factorises_and_reduces_to_one_kind():
    g = torch.Generator().manual_seed(1)
    mc, ms = torch.rand(2, 4, 5, generator=g), torch.rand(2, 4, 3, 3, generator=g)
    # against the Dice of the materialised joint masks (C*H*W elements each)
    joint = torch.einsum('nmc,nmhw->nmchw', mc, ms)
    assert joint_mask_diversity_loss(mc, ms).item() == pytest.approx(mask_diversity_loss(joint).item(), rel=1e-5)
    # all-ones channel masks: the spatial Dice; all-ones spatial masks: the channel Dice
    assert joint_mask_diversity_loss(torch.ones(2, 4, 5), ms).item() == pytest.approx(
        mask_diversity_loss(ms).item(), rel=1e-5)
    assert joint_mask_diversity_loss(mc, torch.ones(2, 4, 3, 3)).item() == pytest.approx(
        mask_diversity_loss(mc).item(), rel=1e-5)
    # disjoint channel halves make the joint masks disjoint whatever the spatial masks
    halves = torch.tensor([[1., 1., 0., 0.], [0., 0., 1., 1.]]).expand(1, 2, 4)
    assert joint_mask_diversity_loss(halves, torch.rand(1, 2, 3, 3, generator=g)).item() == 0.0


def test_cross_attention_matches_formula():
    g = torch.Generator().manual_seed(1)
    q, k, v = torch.randn(2, 3, 4, 5, generator=g), torch.randn(2, 3, 4, 5, generator=g), torch.randn(2, 6, 4, 5, generator=g)
    out = cross_attention_fusion(q, k, v)
    Q, K, V = q.flatten(2).transpose(1, 2), k.flatten(2).transpose(1, 2), v.flatten(2).transpose(1, 2)
    A = torch.softmax(Q @ K.transpose(1, 2) / math.sqrt(3), dim=-1)
    assert out.shape == (2, 6, 4, 5)
    assert torch.allclose(out, (A @ V).transpose(1, 2).reshape(2, 6, 4, 5), atol=1e-5)


def test_masks_shapes_and_range():
    f = torch.randn(2, 8, 4, 5) * 10
    mc, ms = channel_masks(f, torch.randn(6, 8)), spatial_masks(f, torch.randn(6, 8))
    assert mc.shape == (2, 6, 8) and ms.shape == (2, 6, 4, 5)
    for m in (mc, ms):
        assert m.min() >= 0 and m.max() <= 1
    loss = AlignedACAM(4, 8, num_masks=3)
    out = loss.compute(*feats(Cs=4))
    assert out['mask_c'].shape == (2, 3, 8) and out['mask_s'].shape == (2, 3, 4, 5)
    assert out['fused'].shape == (2, 8, 4, 5) and out['aligned'].shape == (2, 8, 4, 5)
    assert 0 <= out['mask_c'].min() and out['mask_c'].max() <= 1
    assert 0 <= out['mask_s'].min() and out['mask_s'].max() <= 1


def test_masked_distill_with_flat_masks_is_the_plain_sum():
    fs, ft = feats()
    ones_c, ones_s = torch.ones(2, 3, 8), torch.ones(2, 3, 4, 5)
    plain = (fs - ft).pow(2).sum() / 2
    assert masked_distill_loss(fs, ft, ones_c, ones_s).item() == pytest.approx(plain.item(), rel=1e-5)
    # normalised: any constant mask gives the same value; unnormalised: it scales
    assert masked_distill_loss(fs, ft, ones_c * 0.1, ones_s * 0.3).item() == pytest.approx(plain.item(), rel=1e-5)
    assert masked_distill_loss(fs, ft, ones_c * 0.1, ones_s * 0.3, normalize=False).item() \
        == pytest.approx(0.03 * plain.item(), rel=1e-5)


@pytest.mark.parametrize('channels', [(8, 8), (4, 8)])
def test_loss_matches_formula(channels):
    Cs, Ct = channels
    loss = AlignedACAM(Cs, Ct, num_masks=3, qk_ratio=0.5, alpha=1e-2, beta=0.7, loss_weight=2.0)
    randomise(loss, seed=3)
    fs, ft = feats(Cs=Cs, Ct=Ct)
    expected, distill, div = np_acam(fs.numpy(), ft.numpy(), loss)
    out = loss.compute(fs, ft)
    assert out['loss_distill'].item() == pytest.approx(distill, rel=1e-4)
    assert out['loss_div'].item() == pytest.approx(div, rel=1e-4)
    assert loss(fs, ft).item() == pytest.approx(expected, rel=1e-4)


def test_distill_is_zero_when_student_equals_teacher():
    loss = AlignedACAM(8, 8)
    assert isinstance(loss.align, nn.Identity)
    _, ft = feats()
    out = loss.compute(ft.clone(), ft)
    assert out['loss_distill'].item() == 0.0


@pytest.mark.parametrize('mode', ['spatial', 'channel'])
def test_mask_modes(mode):
    loss = AlignedACAM(8, 8, num_masks=3, mask_mode=mode)
    out = loss.compute(*feats())
    if mode == 'spatial':
        assert loss.channel_units is None and torch.all(out['mask_c'] == 1)
        assert not torch.all(out['mask_s'] == 1)
        assert out['loss_div'].item() == pytest.approx(mask_diversity_loss(out['mask_s']).item())
    else:
        assert loss.spatial_units is None and torch.all(out['mask_s'] == 1)
        assert not torch.all(out['mask_c'] == 1)
        assert out['loss_div'].item() == pytest.approx(mask_diversity_loss(out['mask_c']).item())


def test_teacher_mask_source_has_no_fusion():
    loss = AlignedACAM(4, 8, num_masks=3, mask_source='teacher')
    assert loss.query is None and loss.key is None and loss.value is None
    fs, ft = feats(Cs=4)
    out = loss.compute(fs, ft)
    assert out['fused'] is None
    mc, ms = loss.masks(ft)
    assert torch.allclose(out['mask_c'], mc) and torch.allclose(out['mask_s'], ms)


def _student_grad(loss, fs, ft):
    fs = fs.clone().requires_grad_(True)
    loss(fs, ft).backward()
    return fs.grad


def test_gradients_reach_student_through_align_and_key_value():
    loss = AlignedACAM(4, 8, num_masks=3, alpha=1e-2, masks_learn_from_distill=True, student_through_masks=True)
    randomise(loss, seed=5)
    fs, ft = feats(Cs=4)
    ft.requires_grad_(False)
    full = _student_grad(loss, fs, ft)
    assert full.abs().sum() > 0
    # only the K/V path: zero the align conv
    with torch.no_grad():
        loss.align.weight.zero_()
    kv_only = _student_grad(loss, fs, ft)
    assert kv_only.abs().sum() > 0
    # only the align path: zero the key and value convs (fused becomes a constant)
    randomise(loss, seed=5)
    with torch.no_grad():
        for conv in (loss.key, loss.value):
            conv.weight.zero_()
    align_only = _student_grad(loss, fs, ft)
    assert align_only.abs().sum() > 0
    assert not torch.allclose(full, kv_only) and not torch.allclose(full, align_only)


def test_gradients_reach_all_parameters_and_never_the_teacher():
    loss = AlignedACAM(4, 8, num_masks=3, alpha=1e-2)
    fs, ft = feats(Cs=4)
    fs.requires_grad_(True)
    assert not ft.requires_grad
    total = loss(fs, ft)
    total.backward()
    for name, p in loss.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert ft.grad is None  # the teacher feature needs no gradient and gets none
    # the distiller hands over teacher features recorded under no_grad: the loss still trains
    with torch.no_grad():
        ft_ng = ft * 1.0
    assert loss(fs, ft_ng).requires_grad


def test_by_default_masks_learn_from_diversity_and_student_from_distill_only():
    """Defaults: the mask branch is trained by L_div alone; the student by L_distill alone."""
    fs, ft = feats(Cs=4)
    # alpha only: the mask units and fusion convs get no gradient, the align conv and student do
    loss = AlignedACAM(4, 8, num_masks=3, alpha=1e-2, beta=0.0)
    randomise(loss, seed=3)
    fs.requires_grad_(True)
    loss(fs, ft).backward()
    for name, p in loss.named_parameters():
        trained = name.startswith('align.')
        assert (p.grad is not None and p.grad.abs().sum() > 0) == trained, name
    # the student's gradient is that of the masked error with the masks held fixed
    with torch.no_grad():
        out = loss.compute(fs, ft)
    fs2 = fs.detach().clone().requires_grad_(True)
    ref = loss.alpha * masked_distill_loss(loss.align(fs2), ft, out['mask_c'], out['mask_s'])
    ref.backward()
    assert torch.allclose(fs.grad, fs2.grad, atol=1e-7)
    # beta only: the student gets nothing, the mask branch learns
    loss.zero_grad()
    fs3 = fs.detach().clone().requires_grad_(True)
    loss.alpha, loss.beta = 0.0, 1.0
    loss(fs3, ft).backward()
    assert fs3.grad is None or fs3.grad.abs().sum() == 0
    for name in ('spatial_units', 'query.weight', 'key.weight', 'value.weight'):
        assert dict(loss.named_parameters())[name].grad.abs().sum() > 0, name


def test_masks_seek_error_reverses_the_mask_gradient_only():
    """masks_seek_error: mask branch gets minus the masks_learn_from_distill gradient; student unchanged."""
    fs, ft = feats(Cs=4)
    grads = {}
    for flag in ('masks_learn_from_distill', 'masks_seek_error'):
        loss = AlignedACAM(4, 8, num_masks=3, alpha=1e-2, beta=0.0, **{flag: True})
        randomise(loss, seed=5)
        x = fs.detach().clone().requires_grad_(True)
        loss(x, ft).backward()
        grads[flag] = ({n: p.grad.clone() for n, p in loss.named_parameters()}, x.grad.clone())
    (descend, x_descend), (ascend, x_ascend) = grads['masks_learn_from_distill'], grads['masks_seek_error']
    for name, g in descend.items():
        if name.startswith('align.'):
            assert torch.allclose(ascend[name], g, atol=1e-8), name
        else:  # units and fusion convs: reversed
            assert g.abs().sum() > 0 and torch.allclose(ascend[name], -g, atol=1e-8), name
    # the student (fixed masks, default routing: fusion reads a detached student) gets the same gradient
    default = AlignedACAM(4, 8, num_masks=3, alpha=1e-2, beta=0.0)
    randomise(default, seed=5)
    x = fs.detach().clone().requires_grad_(True)
    default(x, ft).backward()
    assert torch.allclose(x_ascend, x.grad, atol=1e-8)
    with pytest.raises(ValueError, match='exclude each other'):
        AlignedACAM(4, 8, masks_seek_error=True, masks_learn_from_distill=True)


def test_masks_seeking_error_move_to_where_the_student_is_wrong():
    """Only the units train (teacher-sourced masks); the student is wrong on one half of the map."""
    torch.manual_seed(0)
    ft = torch.randn(2, 8, 6, 6)
    ft[:, 0, :, :3] += 3.0  # the left half is recognisable from the teacher feature
    fs = ft.clone()
    fs[:, :, :, :3] += torch.randn(2, 8, 6, 3)  # and that is where the student errs
    loss = AlignedACAM(8, 8, num_masks=2, alpha=1.0, beta=0.0, mask_mode='spatial', mask_source='teacher',
                    masks_seek_error=True)
    opt = torch.optim.SGD([loss.spatial_units], lr=0.05)
    with torch.no_grad():
        left0 = loss.compute(fs, ft)['mask_s'][..., :3].mean() / loss.compute(fs, ft)['mask_s'].mean()
    for _ in range(30):
        opt.zero_grad()
        loss(fs, ft).backward()
        opt.step()
    with torch.no_grad():
        ms = loss.compute(fs, ft)['mask_s']
    left1 = ms[..., :3].mean() / ms.mean()
    assert left1 > left0 and left1 > 1.5  # of at most 2: nearly all mask mass on the wrong half


def _collapse_stats(loss, fs, ft):
    with torch.no_grad():
        out = loss.compute(fs, ft)
        ms = out['mask_s'].flatten(2)
        M = ms.shape[1]
        dice = torch.stack([dice_coefficient(ms[:, i], ms[:, j]).mean()
                            for i, j in itertools.permutations(range(M), 2)]).mean()
    return out['mask_s'].mean().item(), out['mask_c'].mean().item(), dice.item()


def _train_units(normalize):
    torch.manual_seed(0)
    loss = AlignedACAM(16, 16, num_masks=4, alpha=1e-3, beta=1.0, normalize_masks=normalize,
                    masks_learn_from_distill=True)
    g = torch.Generator().manual_seed(0)
    fs, ft = torch.randn(2, 16, 8, 8, generator=g) * 2, torch.randn(2, 16, 8, 8, generator=g) * 2
    opt = torch.optim.SGD([loss.channel_units, loss.spatial_units], lr=1.0)
    before = _collapse_stats(loss, fs, ft)
    for _ in range(50):
        opt.zero_grad()
        loss(fs, ft).backward()
        opt.step()
    return before, _collapse_stats(loss, fs, ft)


def test_masks_do_not_collapse():
    """Only the mask units train, 50 SGD steps on fixed features (distill term about 8x the diversity)."""
    (ms0, mc0, dice0), (ms1, mc1, dice1) = _train_units(normalize=True)
    assert dice0 > 0.9  # fresh masks overlap almost entirely
    assert ms1 > 0.3 and mc1 > 0.3  # not driven to zero
    assert dice1 < 0.8  # and pushed apart
    # without the mass normalisation the same run drives the spatial masks towards zero
    _, (ms_raw, _, _) = _train_units(normalize=False)
    assert ms_raw < 0.2


# ---------------------------------------------------------------- errors
def test_shape_errors_are_clear():
    loss = AlignedACAM(4, 8)
    with pytest.raises(ValueError, match=r'preds_S \(N, 4, H, W\)'):
        loss(torch.randn(2, 8, 4, 4), torch.randn(2, 8, 4, 4))
    with pytest.raises(ValueError, match='same N, H, W'):
        loss(torch.randn(2, 4, 4, 4), torch.randn(2, 8, 4, 5))
    with pytest.raises(ValueError, match='4-d'):
        loss(torch.randn(2, 4, 4), torch.randn(2, 8, 4))
    with pytest.raises(ValueError, match='mask_mode'):
        AlignedACAM(4, 8, mask_mode='both')
    with pytest.raises(ValueError, match='mask_source'):
        AlignedACAM(4, 8, mask_source='student')


def test_registered_and_aligned_by_a_connector_not_by_itself():
    loss = MODELS.build(dict(type='ACAMLoss', student_channels=4, teacher_channels=8))
    assert isinstance(loss, ACAMLoss)
    assert not hasattr(loss, 'align') and not hasattr(loss, 'compared_dims')
    assert loss.qk_channels == 4
    fs, ft = feats(Cs=4)
    with pytest.raises(ValueError, match='ChannelAlignConnector'):
        loss(fs, ft)  # 4 != 8 channels and no aligned_S
