import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmkd.models.losses.pixel_dkd import PixelDKDLoss


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


def test_pixel_dkd_uses_labelled_pixels_at_logit_resolution():
    g = torch.Generator().manual_seed(0)
    zs, zt = torch.randn(2, 3, 2, 2, generator=g), torch.randn(2, 3, 2, 2, generator=g)
    # 4x4 label maps; nearest resize to 2x2 keeps rows/cols 0 and 2
    full = np.array([[[0, 9, 1, 9], [9, 9, 9, 9], [2, 9, 255, 9], [9, 9, 9, 9]],
                     [[1, 9, 1, 9], [9, 9, 9, 9], [0, 9, 2, 9], [9, 9, 9, 9]]])
    samples = [Sample(full[0]), Sample(full[1])]
    loss = PixelDKDLoss(alpha=1.0, beta=2.0, loss_weight=0.5)(zs, zt, samples)
    labels = full[:, ::2, ::2].reshape(-1)
    keep = labels != 255
    flat_s = zs.permute(0, 2, 3, 1).reshape(-1, 3).numpy()[keep]
    flat_t = zt.permute(0, 2, 3, 1).reshape(-1, 3).numpy()[keep]
    expected = 0.5 * numpy_dkd(flat_s.astype(np.float64), flat_t.astype(np.float64), labels[keep], 1.0, 2.0)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_pixel_dkd_zero_for_identical_logits_and_clear_error_without_labels():
    z = torch.randn(1, 4, 3, 3)
    assert PixelDKDLoss()(z, z.clone(), [Sample(np.zeros((3, 3), np.int64))]).item() == pytest.approx(0, abs=1e-6)
    with pytest.raises(ValueError, match='gt_sem_seg'):
        PixelDKDLoss()(z, z, [object()])
