import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmkd.models.losses import DKDLoss, dkd_loss
from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample, extract_ground_truth
from dkd_reference import np_dkd_parts


@pytest.fixture
def logits():
    g = torch.Generator().manual_seed(0)
    return torch.randn(4, 6, generator=g) * 2, torch.randn(4, 6, generator=g) * 2, torch.tensor([0, 3, 5, 3])


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_tckd_and_nckd_pieces(logits, tau):
    z_s, z_t, y = logits
    _, tckd, nckd, _ = np_dkd_parts(z_s.numpy(), z_t.numpy(), y.numpy(), tau)
    assert dkd_loss(z_s, z_t, y, alpha=1.0, beta=0.0, tau=tau).item() == pytest.approx(tckd, rel=1e-5)
    assert dkd_loss(z_s, z_t, y, alpha=0.0, beta=1.0, tau=tau).item() == pytest.approx(nckd, rel=1e-5)


def test_kd_decomposes_into_tckd_and_weighted_nckd():
    # per sample: KD = TCKD + (1 - p_t^gt) * NCKD (DKD paper, eq. 4); batch of one
    g = torch.Generator().manual_seed(1)
    z_s, z_t, y = torch.randn(1, 5, generator=g), torch.randn(1, 5, generator=g), torch.tensor([2])
    kd, tckd, nckd, p_t_gt = np_dkd_parts(z_s.numpy(), z_t.numpy(), y.numpy(), 1.0)
    assert kd == pytest.approx(tckd + (1 - p_t_gt[0]) * nckd, rel=1e-9)
    module_tckd = dkd_loss(z_s, z_t, y, alpha=1.0, beta=0.0).item()
    module_nckd = dkd_loss(z_s, z_t, y, alpha=0.0, beta=1.0).item()
    assert module_tckd + (1 - p_t_gt[0]) * module_nckd == pytest.approx(kd, rel=1e-5)


def test_identical_logits_give_zero(logits):
    z, _, y = logits
    assert dkd_loss(z, z.clone(), y, alpha=1.0, beta=8.0, tau=4.0).item() == pytest.approx(0.0, abs=1e-6)


def test_confident_teacher_is_finite_and_float32():
    z_s = torch.randn(2, 4).bfloat16().requires_grad_()
    z_t = torch.tensor([[80.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 80.0]])
    out = dkd_loss(z_s, z_t, torch.tensor([0, 3]))
    out.backward()
    assert out.dtype == torch.float32 and torch.isfinite(out) and torch.isfinite(z_s.grad).all()


def test_input_errors():
    with pytest.raises(ValueError, match=r'same shape, got \(2, 5\) and \(2, 6\)'):
        dkd_loss(torch.randn(2, 5), torch.randn(2, 6), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r'gt_labels of shape \(2,\), got \(3,\)'):
        dkd_loss(torch.randn(2, 5), torch.randn(2, 5), torch.tensor([0, 1, 2]))


def test_module_weight_and_registry(logits):
    z_s, z_t, y = logits
    _, tckd, nckd, _ = np_dkd_parts(z_s.numpy(), z_t.numpy(), y.numpy(), 2.0)
    loss = MODELS.build(dict(type='mmkd.DKDLoss', alpha=0.5, beta=3.0, tau=2.0, loss_weight=2.0))
    assert isinstance(loss, DKDLoss)
    out = loss(preds_S=z_s, preds_T=z_t, gt_labels=y)
    assert out.item() == pytest.approx(2.0 * (0.5 * tckd + 3.0 * nckd), rel=1e-5)

# ----------------------------------------------------------------------------
# labels taken from the data samples by the distiller's ground-truth extraction
# (formerly ClsDKDLoss / PixelDKDLoss: one DKD serves both)

def test_equals_numpy_dkd_with_sample_labels():
    g = torch.Generator().manual_seed(1)
    z_s, z_t = torch.randn(4, 6, generator=g), torch.randn(4, 6, generator=g)
    labels = [2, 0, 5, 2]
    _, tckd, nckd, _ = np_dkd_parts(z_s.numpy(), z_t.numpy(), np.array(labels), tau=4.0)
    gt = extract_ground_truth('gt_label', [ClsDataSample(gt_label=v) for v in labels])
    loss = DKDLoss(alpha=1.0, beta=8.0, tau=4.0, loss_weight=0.5)(z_s, z_t, gt)
    assert loss.item() == pytest.approx(0.5 * (tckd + 8.0 * nckd), rel=1e-4)


def test_samples_without_labels_are_refused():
    with pytest.raises(ValueError, match='reads gt_label'):
        extract_ground_truth('gt_label', [ClsDataSample(), ClsDataSample()])


def numpy_dkd(zs, zt, y, alpha, beta):
    """TCKD + NCKD at tau=1, batchmean, written from the formula."""
    def softmax(z):
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)
    ps, pt = softmax(zs), softmax(zt)
    rows = np.arange(len(y))
    bs = np.stack([ps[rows, y], 1 - ps[rows, y]], 1)
    bt = np.stack([pt[rows, y], 1 - pt[rows, y]], 1)
    tckd = (bt * (np.log(bt) - np.log(bs))).sum() / len(y)
    mask = np.ones_like(zs, bool)
    mask[rows, y] = False
    qs = np.where(mask, ps, 0) / np.where(mask, ps, 0).sum(1, keepdims=True)
    qt = np.where(mask, pt, 0) / np.where(mask, pt, 0).sum(1, keepdims=True)
    nckd = np.where(mask, qt * (np.log(np.where(mask, qt, 1)) - np.log(np.where(mask, qs, 1))), 0).sum() / len(y)
    return alpha * tckd + beta * nckd


class Sample:
    def __init__(self, labels):
        self.gt_sem_seg = PixelData(data=torch.as_tensor(labels)[None])


def test_dense_dkd_uses_labelled_pixels_at_logit_resolution():
    g = torch.Generator().manual_seed(0)
    zs, zt = torch.randn(2, 3, 2, 2, generator=g), torch.randn(2, 3, 2, 2, generator=g)
    # 4x4 label maps; nearest resize to 2x2 keeps rows/cols 0 and 2
    full = np.array([[[0, 9, 1, 9], [9, 9, 9, 9], [2, 9, 255, 9], [9, 9, 9, 9]],
                     [[1, 9, 1, 9], [9, 9, 9, 9], [0, 9, 2, 9], [9, 9, 9, 9]]])
    samples = [Sample(full[0]), Sample(full[1])]
    loss = DKDLoss(alpha=1.0, beta=2.0, loss_weight=0.5)(zs, zt, extract_ground_truth('gt_sem_seg', samples))
    labels = full[:, ::2, ::2].reshape(-1)
    keep = labels != 255
    flat_s = zs.permute(0, 2, 3, 1).reshape(-1, 3).numpy()[keep]
    flat_t = zt.permute(0, 2, 3, 1).reshape(-1, 3).numpy()[keep]
    expected = 0.5 * numpy_dkd(flat_s.astype(np.float64), flat_t.astype(np.float64), labels[keep], 1.0, 2.0)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_dense_dkd_zero_for_identical_logits_and_clear_error_without_labels():
    z = torch.randn(1, 4, 3, 3)
    gt = extract_ground_truth('gt_sem_seg', [Sample(np.zeros((3, 3), np.int64))])
    assert DKDLoss()(z, z.clone(), gt).item() == pytest.approx(0, abs=1e-6)
    with pytest.raises(ValueError, match='gt_sem_seg'):
        extract_ground_truth('gt_sem_seg', [object()])
