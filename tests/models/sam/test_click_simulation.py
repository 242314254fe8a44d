"""Interactive click simulation: clicks placed by hand-computed depths, IoU after each click by hand."""
import pytest
import torch

from mmkd.evaluation import PromptMIoU
from mmkd.models.sam.click_simulation import next_clicks, simulate_clicks
from mmkd.models.sam.prompt_sampling import PAD_LABEL


def box(y0, y1, x0, x1, size=16):
    m = torch.zeros(size, size, dtype=torch.bool)
    m[y0:y1, x0:x1] = True
    return m


def test_next_click_corrects_the_deepest_error_with_its_sign():
    gt = torch.stack([box(0, 10, 0, 10), box(2, 8, 2, 8), box(2, 8, 2, 8)])
    pred = torch.stack([
        box(0, 10, 0, 5),                       # misses columns 5-9: a 10x5 false negative
        box(2, 8, 2, 7) | box(9, 15, 9, 15),    # misses one column (depth 1), adds a 6x6 false positive (depth 3)
        box(2, 8, 2, 8),                        # exact
    ])
    coords, labels = next_clicks(pred, gt)
    # mask 0: depth 3 on column 7, rows 2-7 (row 0 touches the image border, row 9 the outside);
    # tie broken towards the centroid row 4.5, then raster order -> row 4
    assert coords[0].tolist() == [[7.0, 4.0]] and labels[0].tolist() == [1]
    # mask 1: the 6x6 false positive (rows/cols 9-14) is deeper: a negative click at its centre-most pixel
    assert labels[1].tolist() == [0]
    x, y = coords[1, 0].long().tolist()
    assert 11 <= x <= 12 and 11 <= y <= 12 and pred[1, y, x] and not gt[1, y, x]
    assert labels[2].tolist() == [PAD_LABEL] and coords[2].tolist() == [[0.0, 0.0]]


def squares_model(coords, labels, size=16):
    """A deterministic stand-in model: 3x3 squares around positive clicks, minus those around negative ones."""
    out = torch.zeros(coords.shape[0], size, size, dtype=torch.bool)
    for n in range(coords.shape[0]):
        for (x, y), lab in zip(coords[n].long().tolist(), labels[n].tolist()):
            if lab == 1:
                out[n, max(y - 1, 0):y + 2, max(x - 1, 0):x + 2] = True
        for (x, y), lab in zip(coords[n].long().tolist(), labels[n].tolist()):
            if lab == 0:
                out[n, max(y - 1, 0):y + 2, max(x - 1, 0):x + 2] = False
    return out


def test_simulated_clicks_and_their_miou_on_a_hand_made_case():
    gt = box(4, 7, 2, 11).unsqueeze(0)  # a 3x9 bar, 27 pixels
    calls = []
    preds = simulate_clicks(lambda c, lab: calls.append((c.clone(), lab.clone())) or squares_model(c, lab),
                            gt, (1, 3, 5))
    # click 1: centre-most pixel (6, 5); clicks 2 and 3: the two 3x3 ends left uncovered (same depth,
    # raster order: left first); after click 3 the bar is exact, so clicks 4 and 5 are padding
    assert calls[2][0][0].tolist() == [[6.0, 5.0], [3.0, 5.0], [9.0, 5.0]]
    assert calls[4][1][0].tolist() == [1, 1, 1, PAD_LABEL, PAD_LABEL]
    assert sorted(preds) == [1, 3, 5]
    metric = PromptMIoU(prompt_types=('clicks1', 'clicks3', 'clicks5'))
    metric.process(None, [dict(gt_masks=gt, pred_masks={f'clicks{k}': preds[k] for k in preds})])
    result = metric.compute_metrics(metric.results)
    assert result['clicks1_mIoU'] == pytest.approx(100 * 9 / 27)  # one 3x3 square of the 27-pixel bar
    assert result['clicks3_mIoU'] == pytest.approx(100.0) and result['clicks5_mIoU'] == pytest.approx(100.0)


def test_an_exact_mask_keeps_its_prediction():
    gt = box(4, 7, 4, 7).unsqueeze(0)
    seen = []

    def model(c, lab):  # exact after one click, but would change if called with more (padding) points
        seen.append(c.shape[1])
        return gt.clone() if c.shape[1] == 1 else torch.zeros_like(gt)
    preds = simulate_clicks(model, gt, (1, 2))
    assert torch.equal(preds[2], gt) and seen == [1, 2]


def test_bad_click_counts_and_shapes_are_refused():
    gt = box(4, 7, 4, 7).unsqueeze(0)
    with pytest.raises(ValueError, match='click counts must be >= 1'):
        simulate_clicks(lambda c, lab: gt, gt, (0, 3))
    with pytest.raises(ValueError, match='predict returned shape'):
        simulate_clicks(lambda c, lab: gt[0], gt, (1,))
    with pytest.raises(ValueError, match='same \\(N, H, W\\) shape'):
        next_clicks(gt, gt[0])
