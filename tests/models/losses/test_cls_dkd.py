"""ClsDKDLoss: DKD with the target classes taken from ClsDataSample.gt_label."""
import numpy as np
import pytest
import torch

from mmkd.models.losses import ClsDKDLoss
from mmkd.structures import ClsDataSample
from dkd_reference import np_dkd_parts


def test_equals_numpy_dkd_with_sample_labels():
    g = torch.Generator().manual_seed(1)
    z_s, z_t = torch.randn(4, 6, generator=g), torch.randn(4, 6, generator=g)
    labels = [2, 0, 5, 2]
    _, tckd, nckd, _ = np_dkd_parts(z_s.numpy(), z_t.numpy(), np.array(labels), tau=4.0)
    loss = ClsDKDLoss(alpha=1.0, beta=8.0, tau=4.0, loss_weight=0.5)(
        z_s, z_t, [ClsDataSample(gt_label=v) for v in labels])
    assert loss.item() == pytest.approx(0.5 * (tckd + 8.0 * nckd), rel=1e-4)


def test_samples_without_labels_are_refused():
    z = torch.zeros(2, 3)
    with pytest.raises(ValueError, match='ClsDKDLoss reads gt_label'):
        ClsDKDLoss()(z, z, [ClsDataSample(), ClsDataSample()])
