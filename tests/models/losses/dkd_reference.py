"""A float64 NumPy reference of DKD's pieces (Zhao et al., CVPR 2022), written from the paper's formulas.

Shared by the DKD loss tests (not a test module): KD = KL(p_t || p_s) on the
tempered softmax; TCKD = KL of the binary (target, rest) split; NCKD = KL of the
softmax over the non-target classes; each averaged over the batch, times tau^2.
"""
import numpy as np


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def np_dkd_parts(z_s: np.ndarray, z_t: np.ndarray, labels: np.ndarray, tau: float):
    """(KD, TCKD, NCKD, p_t^gt per row), each KL averaged over the batch and times tau^2."""
    kd = tckd = nckd = 0.0
    p_t_gt = []
    for row_s, row_t, y in zip(z_s.astype(np.float64), z_t.astype(np.float64), labels):
        p_s, p_t = softmax(row_s / tau), softmax(row_t / tau)
        kd += (p_t * np.log(p_t / p_s)).sum()
        b_s, b_t = np.array([p_s[y], 1 - p_s[y]]), np.array([p_t[y], 1 - p_t[y]])
        tckd += (b_t * np.log(b_t / b_s)).sum()
        others = [c for c in range(len(row_s)) if c != y]
        q_s, q_t = p_s[others] / p_s[others].sum(), p_t[others] / p_t[others].sum()
        nckd += (q_t * np.log(q_t / q_s)).sum()
        p_t_gt.append(p_t[y])
    b = len(labels)
    return tau**2 * kd / b, tau**2 * tckd / b, tau**2 * nckd / b, np.array(p_t_gt)
