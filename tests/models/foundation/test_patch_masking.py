"""The masked view hits the requested share of samples and patches."""
import pytest
import torch

from mmkd.models.foundation import sample_patch_masks


@pytest.mark.parametrize('batch,patches,sample_ratio,patch_ratio', [(8, 128, 0.5, 0.5), (6, 50, 0.5, 0.3),
                                                                     (4, 9, 1.0, 0.75), (5, 10, 0.0, 0.5)])
def test_exact_shares(batch, patches, sample_ratio, patch_ratio):
    g = torch.Generator().manual_seed(0)
    masks = sample_patch_masks(batch, patches, sample_ratio, patch_ratio, generator=g)
    assert masks.shape == (batch, patches) and masks.dtype == torch.bool
    per_sample = masks.sum(1)
    masked = int(round(sample_ratio * batch))
    assert (per_sample > 0).sum() == masked
    assert (per_sample[:masked] == round(patch_ratio * patches)).all()  # the first n samples (mask_first_n)
    assert (per_sample[masked:] == 0).all()


def test_random_samples_and_positions_vary():
    g = torch.Generator().manual_seed(0)
    a = sample_patch_masks(8, 64, first_n=False, generator=g)
    b = sample_patch_masks(8, 64, first_n=False, generator=g)
    assert (a.sum(1) > 0).sum() == 4 and not torch.equal(a, b)


def test_bad_ratio():
    with pytest.raises(ValueError, match=r'in \[0, 1\]'):
        sample_patch_masks(4, 4, sample_ratio=1.5)
