"""Distance-band BEV AP: known APs on hand-made predictions."""
import math

import numpy as np
import pytest

pytest.importorskip('mmcv.ops')

from mmkd.evaluation.metrics import KittiDistanceMetric, ap_r40, band_ap, bev_iou  # noqa: E402


def car(x, y, yaw=0.0):
    return [x, y, -1.7, 4.0, 1.8, 1.5, yaw]


def test_ap_r40_by_hand():
    # TP 0.9, FP 0.8, TP 0.7 against 2 objects: precision 1 up to recall 0.5, then 2/3
    assert ap_r40(np.array([0.9, 0.8, 0.7]), np.array([1, 0, 1]), 2) == pytest.approx((20 + 20 * 2 / 3) / 40)
    assert ap_r40(np.zeros(0), np.zeros(0), 3) == 0.0
    assert math.isnan(ap_r40(np.zeros(0), np.zeros(0), 0))


def test_bev_iou_by_hand():
    a = np.array([car(0, 0)])
    b = np.array([car(2, 0), car(0, 0, np.pi)])     # half overlap (4 x 1.8 shifted 2 m), the same box turned
    iou = bev_iou(a, b)[0]
    assert iou[0] == pytest.approx(2 * 1.8 / (2 * 4 * 1.8 - 2 * 1.8), rel=1e-4)
    assert iou[1] == pytest.approx(1.0, rel=1e-4)


def test_band_ap_known_values():
    gt = np.array([car(10, 0), car(30, 0), car(50, 0)])
    preds = np.array([car(10, 0), car(32, 0), car(50, 0), car(45, 5)])
    scores = np.array([0.9, 0.8, 0.7, 0.95])
    frames = [(preds, scores, gt)]
    assert band_ap(frames, (0, 20), 0.7) == pytest.approx(1.0)
    assert band_ap(frames, (20, 40), 0.7) == pytest.approx(0.0)   # 2 m off: IoU 1/3 < 0.7
    assert band_ap(frames, (20, 40), 0.3) == pytest.approx(1.0)
    assert band_ap(frames, (40, math.inf), 0.7) == pytest.approx(0.5)  # FP 0.95 ranks before the TP 0.7


@pytest.mark.slow  # mmdet3d's KITTI evaluation compiles its numba loops (~30 s)
def test_metric_on_perfect_predictions(tiny_lidar_root):
    import mmengine
    import torch
    from mmdet3d.structures import LiDARInstance3DBoxes
    from mmengine.structures import InstanceData

    from mmkd.datasets.lidar import lidar_boxes_from_info
    ann_file = f'{tiny_lidar_root}/kitti_infos_val.pkl'
    infos = mmengine.load(ann_file)
    classes = ['Pedestrian', 'Cyclist', 'Car']
    id_to_name = {v: k for k, v in infos['metainfo']['categories'].items()}
    metric = KittiDistanceMetric(ann_file=ann_file, kitti=dict(pcd_limit_range=[0, -40, -3, 70.4, 40, 0.0]))
    metric.dataset_meta = dict(classes=classes)
    samples = []
    for i, info in enumerate(infos['data_list']):
        boxes = lidar_boxes_from_info(info)
        labels = [classes.index(id_to_name[inst['bbox_label_3d']]) for inst in info['instances']]
        pred = InstanceData(bboxes_3d=LiDARInstance3DBoxes(torch.as_tensor(boxes, dtype=torch.float32)),
                            scores_3d=torch.linspace(1.0, 0.5, len(labels)), labels_3d=torch.tensor(labels))
        samples.append(dict(pred_instances_3d=pred, pred_instances=InstanceData(), sample_idx=i))
    metric.process({}, samples)
    out = metric.compute_metrics(metric.results)
    band_values = [v for k, v in out.items() if k.endswith('m') and '_BEV_AP40_' in k and not math.isnan(v)]
    assert band_values and all(v == pytest.approx(100.0) for v in band_values)
    # mmdet3d's KITTI evaluation ran too (on the CPU overlap when there is no CUDA). Its AP40 samples
    # precision at recall i/40 only where a ground truth is recalled, so with N < 40 objects a perfect
    # detector scores 100 * N / 40: compare the perfect BEV, 3D and 2D numbers with each other, not 100.
    key = 'pred_instances_3d/KITTI/Car_{}_AP40_moderate_strict'
    assert out[key.format('BEV')] > 0
    assert out[key.format('BEV')] == pytest.approx(out[key.format('3D')]) == pytest.approx(out[key.format('2D')])
