"""OFA loss against hand values and numpy formulas (not against itself)."""
import math

import numpy as np
import pytest
import torch

from mmkd.models.losses import OFALoss, kd_loss, ofa_loss
from mmkd.structures import ClsDataSample, extract_ground_truth


def np_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture
def logits():
    g = torch.Generator().manual_seed(0)
    return torch.randn(5, 7, generator=g) * 2, torch.randn(5, 7, generator=g) * 2, torch.tensor([0, 6, 3, 3, 1])


def test_hand_value_eps2():
    # z_s = z_t = [0, 0], y = [1, 0], eps = 2: weights ((0.5 + 1)^2 - 1, 0.5^2) = (1.25, 0.25),
    # L = -(1.25 + 0.25) * ln 0.5 = 1.5 ln 2
    z = torch.zeros(1, 2)
    assert ofa_loss(z, z, torch.tensor([0]), eps=2.0).item() == pytest.approx(1.5 * math.log(2), abs=1e-6)


def test_hand_value_confident_teacher():
    # p_t = [0.75, 0.25], y = class 1, eps = 2: weights (0.75^2, 1.25^2 - 1) = (0.5625, 0.5625),
    # p_s = [0.5, 0.5]: L = 1.125 ln 2
    z_t = torch.tensor([[math.log(3.0), 0.0]])
    loss = ofa_loss(torch.zeros(1, 2), z_t, torch.tensor([1]), eps=2.0)
    assert loss.item() == pytest.approx(1.125 * math.log(2), abs=1e-6)


def test_eps1_is_soft_cross_entropy_with_teacher_probs(logits):
    z_s, z_t, y = logits
    p_t, p_s = np_softmax(z_t.double().numpy()), np_softmax(z_s.double().numpy())
    expected = -(p_t * np.log(p_s)).sum(axis=1).mean()
    assert ofa_loss(z_s, z_t, y, eps=1.0).item() == pytest.approx(expected, rel=1e-5)
    # ... whatever the labels are
    assert ofa_loss(z_s, z_t, (y + 1) % 7, eps=1.0).item() == pytest.approx(expected, rel=1e-5)


def test_eps1_gradient_equals_kd_gradient(logits):
    z_s, z_t, y = logits
    a, b = z_s.clone().requires_grad_(), z_s.clone().requires_grad_()
    ofa_loss(a, z_t, y, eps=1.0).backward()
    kd_loss(b, z_t, tau=1.0).backward()
    torch.testing.assert_close(a.grad, b.grad)


def test_general_eps_matches_formula(logits):
    z_s, z_t, y = logits
    p_t, p_s = np_softmax(z_t.double().numpy()), np_softmax(z_s.double().numpy())
    onehot = np.eye(7)[y.numpy()]
    expected = -(((p_t + onehot) ** 1.5 - onehot) * np.log(p_s)).sum(axis=1).mean()
    assert ofa_loss(z_s, z_t, y, eps=1.5).item() == pytest.approx(expected, rel=1e-5)


def test_temperature_scales_both_logits(logits):
    z_s, z_t, y = logits
    assert ofa_loss(z_s, z_t, y, eps=1.5, temperature=4.0).item() == pytest.approx(
        ofa_loss(z_s / 4, z_t / 4, y, eps=1.5).item(), rel=1e-6)


def test_enhancement_grows_with_the_teachers_target_confidence():
    """With a uniform student, dL/dz_c = (W / C - w_c) / B, so the gradient gap between a
    non-target and the target class is the weight gap w_y - w_o. For eps > 1 the target
    weight (1 + p_y)^eps - 1 grows faster than p_y, the more so the surer the teacher."""
    z_t = torch.tensor([[4.0, 0.0, 0.0], [0.5, 0.0, 0.0]])  # both right; confident / unsure
    y = torch.tensor([0, 0])
    gaps = {}
    for eps in (1.0, 2.0):
        z_s = torch.zeros(2, 3, requires_grad=True)
        ofa_loss(z_s, z_t, y, eps=eps).backward()
        gaps[eps] = (z_s.grad[:, 1] - z_s.grad[:, 0]) * 2  # times B
    p = torch.softmax(z_t, dim=1)
    torch.testing.assert_close(gaps[1.0], p[:, 0] - p[:, 1])
    torch.testing.assert_close(gaps[2.0], (1 + p[:, 0]) ** 2 - 1 - p[:, 1] ** 2)
    enhancement = gaps[2.0] - gaps[1.0]
    assert (enhancement > 0).all() and enhancement[0] > enhancement[1]


def test_module_reads_labels_from_data_samples(logits):
    z_s, z_t, y = logits
    samples = [ClsDataSample(gt_label=int(v)) for v in y]
    loss = OFALoss(eps=1.5, loss_weight=0.5)(z_s, z_t, extract_ground_truth('gt_label', samples))
    assert loss.item() == pytest.approx(0.5 * ofa_loss(z_s, z_t, y, eps=1.5).item(), rel=1e-6)


def test_module_errors_name_the_problem(logits):
    z_s, z_t, _ = logits
    with pytest.raises(ValueError, match='gt_label'):
        extract_ground_truth('gt_label', [object()] * 5)
    with pytest.raises(ValueError, match='eps must be positive'):
        OFALoss(eps=0)
    with pytest.raises(ValueError, match='same shape'):
        ofa_loss(z_s, z_t[:, :3], torch.zeros(5, dtype=torch.long))
