"""Per-domain mIoU and the target mean on hand label maps with hand-computed IoUs."""
import pytest
import torch

pytest.importorskip('mmseg')

from mmkd.evaluation.metrics import DomainIoUMetric, domain_of  # noqa: E402
from mmkd.registry import METRICS  # noqa: E402


def sample(path, pred, gt):
    return dict(img_path=path, pred_sem_seg=dict(data=torch.tensor(pred)[None]),
                gt_sem_seg=dict(data=torch.tensor(gt)[None]))


def build(**kwargs):
    metric = METRICS.build(dict(type='mmkd.DomainIoUMetric', domains=('src', 'night', 'fog'), source='src',
                                **kwargs))
    metric.dataset_meta = dict(classes=('a', 'b'))
    return metric


def test_hand_label_maps():
    metric = build()
    metric.process({}, [
        # src: perfect -> IoU a = b = 1 -> 100
        sample('d/src/leftImg8bit/val/x/0.png', [[0, 1], [0, 1]], [[0, 1], [0, 1]]),
        # night, two images summed before the IoU (mmseg's convention):
        # image 1 pred [0,0,1,1] gt [0,1,1,1]; image 2 pred [1,1] gt [1,1] with one ignored pixel
        sample('d/night/leftImg8bit/val/x/0.png', [[0, 0], [1, 1]], [[0, 1], [1, 1]]),
        sample('d/night/leftImg8bit/val/x/1.png', [[1, 1], [0, 1]], [[1, 1], [255, 1]]),
        # fog: everything predicted 0, gt half 0 half 1 -> a: 2/4, b: 0/2
        sample('d/fog/leftImg8bit/val/x/0.png', [[0, 0], [0, 0]], [[0, 0], [1, 1]]),
    ])
    result = metric.compute_metrics(metric.results)
    # night class a: inter 1, pred 2 (+ 0: the pixel predicted a in image 2 is ignored), gt 1
    #   -> union 2 -> 1/2; class b: inter 2 + 3 = 5, pred 2 + 3 = 5, gt 3 + 3 = 6 -> union 6 -> 5/6
    night = (1 / 2 + 5 / 6) / 2 * 100
    fog = (0.5 + 0.0) / 2 * 100
    assert result['src_mIoU'] == pytest.approx(100.0)
    assert result['night_mIoU'] == pytest.approx(night, abs=0.01)
    assert result['fog_mIoU'] == pytest.approx(fog, abs=0.01)
    assert result['target_mIoU'] == pytest.approx((night + fog) / 2, abs=0.01)  # source left out


def test_domain_of_path_and_errors():
    assert domain_of('data/street_dg/night/leftImg8bit/val/a.png', ('photo', 'night')) == 'night'
    with pytest.raises(KeyError, match='no domain'):
        domain_of('data/street_dg/rain/leftImg8bit/val/night.png', ('photo', 'night'))  # a file name is no folder
    with pytest.raises(ValueError, match='source'):
        DomainIoUMetric(domains=('a', 'b'), source='c')
