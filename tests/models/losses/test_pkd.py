import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.losses import PKDLoss, pkd_loss
from mmkd.registry import MODELS


def np_pkd(f_s: np.ndarray, f_t: np.ndarray) -> float:
    """Standardise each channel over (N, H, W) (unbiased std + 1e-6), then MSE / 2."""
    def norm(f: np.ndarray) -> np.ndarray:
        f = f.astype(np.float64)
        out = np.empty_like(f)
        for c in range(f.shape[1]):
            values = f[:, c]
            out[:, c] = (values - values.mean()) / (values.std(ddof=1) + 1e-6)
        return out
    return float(((norm(f_s) - norm(f_t)) ** 2).mean() / 2)


def test_identical_features_give_zero():
    f = torch.randn(2, 3, 4, 4)
    assert pkd_loss(f, f.clone()).item() == pytest.approx(0.0, abs=1e-6)


def test_invariant_to_positive_affine_map_per_channel():
    g = torch.Generator().manual_seed(2)
    f_s, f_t = torch.randn(2, 3, 4, 4, generator=g), torch.randn(2, 3, 4, 4, generator=g)
    scale = torch.tensor([0.5, 2.0, 7.0]).view(1, 3, 1, 1)
    shift = torch.tensor([-3.0, 1.0, 10.0]).view(1, 3, 1, 1)
    assert pkd_loss(scale * f_s + shift, f_t).item() == pytest.approx(pkd_loss(f_s, f_t).item(), rel=1e-4)


def test_value_against_numpy():
    g = torch.Generator().manual_seed(0)
    f_s, f_t = torch.randn(2, 3, 4, 5, generator=g), torch.randn(2, 3, 4, 5, generator=g) * 3 + 1
    assert pkd_loss(f_s, f_t).item() == pytest.approx(np_pkd(f_s.numpy(), f_t.numpy()), rel=1e-5)


def test_student_resized_to_teacher_size():
    g = torch.Generator().manual_seed(3)
    f_s, f_t = torch.randn(2, 3, 4, 4, generator=g), torch.randn(2, 3, 8, 8, generator=g)
    resized = F.interpolate(f_s, size=(8, 8), mode='bilinear', align_corners=False)
    assert pkd_loss(f_s, f_t).item() == pytest.approx(np_pkd(resized.numpy(), f_t.numpy()), rel=1e-5)
    with pytest.raises(ValueError, match=r'same shape, got \(2, 3, 4, 4\) and \(2, 3, 8, 8\)'):
        pkd_loss(f_s, f_t, resize_stu=False)


def test_channel_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'PKD.*\(2, 3, 4, 4\) and \(2, 5, 8, 8\)'):
        pkd_loss(torch.randn(2, 3, 4, 4), torch.randn(2, 5, 8, 8))


def test_module_weight_and_registry():
    f_s, f_t = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    loss = MODELS.build(dict(type='mmkd.PKDLoss', loss_weight=6.0))
    assert isinstance(loss, PKDLoss) and loss.resize_stu
    assert loss(preds_S=f_s, preds_T=f_t).item() == pytest.approx(6.0 * np_pkd(f_s.numpy(), f_t.numpy()), rel=1e-5)
