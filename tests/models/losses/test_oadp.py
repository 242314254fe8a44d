"""OADP pyramid losses: values from their formulas, computed by hand."""
import math

import pytest
import torch

from mmkd.models.losses import (AsymmetricLoss, BlockDistillLoss, GlobalDistillLoss, ObjectDistillLoss,
                                RelationDistillLoss, asymmetric_loss, global_distill_loss, object_distill_loss,
                                relation_distill_loss)
from mmkd.registry import MODELS


def test_object_l1_is_the_mean_absolute_difference():
    s = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    assert object_distill_loss(s, torch.zeros(2, 2)).item() == pytest.approx(2.5)
    assert ObjectDistillLoss(loss_weight=256)(s, torch.zeros(2, 2)).item() == pytest.approx(640.0)
    with pytest.raises(ValueError, match='same shape'):
        object_distill_loss(s, torch.zeros(2, 3))


def test_relation_loss_by_hand():
    # S S^T = I, T T^T = all ones: difference has two off-diagonal -1 entries, mean of squares 2/4
    s = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    t = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    assert relation_distill_loss(s, t).item() == pytest.approx(0.5)


def test_relation_loss_zero_on_identical_and_rotation_invariant():
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(6, 8, generator=g), torch.randn(6, 8, generator=g)
    assert relation_distill_loss(s, s).item() == 0.0
    q, _ = torch.linalg.qr(torch.randn(8, 8, generator=g, dtype=torch.float64))
    q = q.float()
    torch.testing.assert_close(relation_distill_loss(s @ q, t @ q), relation_distill_loss(s, t), rtol=1e-5,
                               atol=1e-6)


def test_relation_loss_allows_different_widths_but_not_counts():
    assert relation_distill_loss(torch.randn(3, 4), torch.randn(3, 6)).ndim == 0
    with pytest.raises(ValueError, match='leading'):
        relation_distill_loss(torch.randn(3, 4), torch.randn(2, 4))


def test_block_loss_combines_l1_and_relation():
    s = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    t = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    # L1: |0|+|0|+|-1|+|1| over 4 = 0.5; relation 0.5
    loss = BlockDistillLoss(l1_weight=128, relation_weight=8)(s, t)
    assert loss.item() == pytest.approx(128 * 0.5 + 8 * 0.5)


def test_global_mse_is_summed():
    assert global_distill_loss(torch.tensor([[1.0, 2.0]]), torch.zeros(1, 2)).item() == pytest.approx(5.0)
    assert GlobalDistillLoss(loss_weight=0.5)(torch.tensor([1.0, 2.0]), torch.zeros(2)).item() == \
        pytest.approx(2.5)


def test_asymmetric_loss_values():
    probs = torch.tensor([0.8, 0.3, 0.03])
    targets = torch.tensor([1.0, 0.0, 0.0])
    positive = -math.log(0.8)                      # gamma+ = 0: plain log loss
    negative = -math.log(0.75) * (1 - 0.75) ** 4   # x_neg = 0.7 + 0.05
    clipped = 0.0                                   # x_neg = min(0.97 + 0.05, 1) = 1
    per_element = asymmetric_loss(probs, targets, reduction='none')
    torch.testing.assert_close(per_element, torch.tensor([positive, negative, clipped]), rtol=1e-6, atol=1e-9)
    assert asymmetric_loss(probs, targets).item() == pytest.approx((positive + negative) / 3, rel=1e-6)
    assert asymmetric_loss(probs, targets, reduction='sum').item() == pytest.approx(positive + negative, rel=1e-6)


def test_asymmetric_focusing_weights_carry_no_gradient():
    x = torch.tensor([0.3], requires_grad=True)
    asymmetric_loss(x, torch.zeros(1), reduction='sum').backward()
    # d/dx of -log(1 - x + clip), times the constant weight (1 - x_neg)^4 = 0.25^4
    assert x.grad.item() == pytest.approx(0.25 ** 4 / 0.75, rel=1e-5)


def test_asymmetric_module_on_logits_and_bool_targets():
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    targets = torch.tensor([[True, False, False]])
    module = MODELS.build(dict(type='AsymmetricLoss', loss_weight=16))
    assert isinstance(module, AsymmetricLoss)
    expected = 16 * asymmetric_loss(logits.sigmoid(), targets.float())
    torch.testing.assert_close(module(logits, targets), expected)
    with pytest.raises(ValueError, match='same shape'):
        asymmetric_loss(torch.rand(2, 3), torch.ones(2, 4))


def test_half_precision_inputs_give_float32_losses():
    s, t = torch.randn(4, 8).half(), torch.randn(4, 8).half()
    for fn in (object_distill_loss, relation_distill_loss, global_distill_loss):
        assert fn(s, t).dtype == torch.float32
    assert RelationDistillLoss()(s.bfloat16(), t.bfloat16()).dtype == torch.float32


def test_relation_loss_runs_in_float32_under_bf16_autocast():
    g = torch.Generator().manual_seed(0)
    t = torch.randn(16, 32, generator=g).bfloat16().float()
    s = (t + 0.01 * torch.randn(16, 32, generator=g)).bfloat16().float()
    reference = ((s.double() @ s.double().T - t.double() @ t.double().T) ** 2).mean()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = relation_distill_loss(s.bfloat16(), t.bfloat16())
    assert value.item() == pytest.approx(reference.item(), rel=1e-3)
