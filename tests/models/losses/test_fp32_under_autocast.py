"""Temperature-softmax / KL losses compute in float32 under bf16 autocast.

Under ``torch.autocast('cpu', bfloat16)`` the student and teacher produce
bf16 features, and ``softmax`` runs in its input's dtype. A KL between two
close distributions is a small difference of large terms, so computing it in
bf16 (8 mantissa bits) is badly wrong; these losses cast to float32 first.

Each test feeds bf16-representable values, in bf16 (as an autocast network
hands them over) and in float32, and compares with the loss written out in
float64 from its formula: the only error left is float32 rounding, so a
tolerance of 1e-3 relative catches a softmax run in bf16 (errors of a
few percent on these inputs).
"""
import pytest
import torch

from mmkd.models.losses import ChannelWiseDivergence, DKDLoss, KDLoss
from mmkd.structures import extract_ground_truth

RTOL = 1e-3


def close_pair(*shape, scale=3.0, gap=0.2, seed=0):
    """Teacher values and a student a small step away, both exactly representable in bf16."""
    g = torch.Generator().manual_seed(seed)
    teacher = torch.randn(*shape, generator=g) * scale
    student = teacher + gap * torch.randn(*shape, generator=g)
    return student.bfloat16().float(), teacher.bfloat16().float()


def kl_rows(z_s: torch.Tensor, z_t: torch.Tensor) -> torch.Tensor:
    """Per-row ``sum_j p_t (log p_t - log p_s)`` in float64, softmax over the last dim."""
    z_s, z_t = z_s.double(), z_t.double()
    p_t = torch.exp(z_t - z_t.logsumexp(-1, keepdim=True))
    log_p_s = z_s - z_s.logsumexp(-1, keepdim=True)
    log_p_t = z_t - z_t.logsumexp(-1, keepdim=True)
    return (p_t * (log_p_t - log_p_s)).sum(-1)


def dkd_reference(z_s, z_t, labels, alpha, beta, tau):
    """DKD paper eq. (2)-(3): binary target/non-target KL plus KL over the non-target classes."""
    z_s, z_t = z_s.double() / tau, z_t.double() / tau
    p_s, p_t = z_s.softmax(1), z_t.softmax(1)
    rows = torch.arange(len(labels))
    b_s = torch.stack([p_s[rows, labels], 1 - p_s[rows, labels]], 1)
    b_t = torch.stack([p_t[rows, labels], 1 - p_t[rows, labels]], 1)
    tckd = (b_t * (b_t.log() - b_s.log())).sum()
    keep = torch.ones_like(p_s, dtype=torch.bool)
    keep[rows, labels] = False
    others_s = z_s[keep].view(len(labels), -1)
    others_t = z_t[keep].view(len(labels), -1)
    nckd = kl_rows(others_s, others_t).sum()
    return (alpha * tckd + beta * nckd) * tau**2 / len(labels)


def under_autocast(loss, *tensors, **kwargs):
    """The loss on bf16 inputs and on float32 inputs, both inside CPU bf16 autocast."""
    results = []
    for dtype in (torch.bfloat16, torch.float32):
        with torch.autocast('cpu', dtype=torch.bfloat16):
            value = loss(*(t.to(dtype) for t in tensors), **kwargs)
        assert value.dtype == torch.float32, f'{type(loss).__name__} returned {value.dtype} under autocast'
        results.append(value.item())
    return results


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_kd_matches_fp32_formula(tau):
    z_s, z_t = close_pair(16, 19)
    expected = tau**2 * kl_rows(z_s / tau, z_t / tau).mean().item()
    for value in under_autocast(KDLoss(tau=tau), z_s, z_t):
        assert value == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_cwd_matches_fp32_formula(tau):
    n, c, h, w = 2, 8, 12, 16
    f_s, f_t = close_pair(n, c, h, w)
    expected = tau**2 * kl_rows(f_s.flatten(2) / tau, f_t.flatten(2) / tau).sum().item() / (n * c)
    for value in under_autocast(ChannelWiseDivergence(tau=tau), f_s, f_t):
        assert value == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_dkd_matches_fp32_formula(tau):
    z_s, z_t = close_pair(16, 10)
    labels = z_t.argmax(1)  # a confident teacher: p_t at the target is close to 1
    expected = dkd_reference(z_s, z_t, labels, 1.0, 8.0, tau).item()
    for value in under_autocast(DKDLoss(alpha=1.0, beta=8.0, tau=tau), z_s, z_t, gt_labels=labels):
        assert value == pytest.approx(expected, rel=RTOL)


def test_pixel_dkd_matches_fp32_formula():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    n, c, h, w = 2, 5, 6, 7
    z_s, z_t = close_pair(n, c, h, w)
    labels = z_t.argmax(1)
    labels[0, 0] = 255  # ignored pixel
    samples = [SegDataSample(gt_sem_seg=PixelData(data=labels[i:i + 1])) for i in range(n)]
    keep = labels.flatten() != 255
    rows_s = z_s.permute(0, 2, 3, 1).reshape(-1, c)[keep]
    rows_t = z_t.permute(0, 2, 3, 1).reshape(-1, c)[keep]
    expected = dkd_reference(rows_s, rows_t, labels.flatten()[keep], 1.0, 2.0, 2.0).item()
    for value in under_autocast(DKDLoss(alpha=1.0, beta=2.0, tau=2.0), z_s, z_t,
                                gt_labels=extract_ground_truth('gt_sem_seg', samples)):
        assert value == pytest.approx(expected, rel=RTOL)
