"""A KITTI-layout tree written by hand loads through mmdet3d's own converter and KittiDataset.

Nothing here uses the simulator: if these files load, a real KITTI download
(same layout) loads the same way, by changing ``data_root``.
"""
import os

import numpy as np
import pytest

pytest.importorskip('mmdet3d')

from mmkd.datasets.lidar import KittiCalib, label_lines, write_kitti_infos  # noqa: E402

CALIB = """P0: 7.215377e+02 0.0 6.095593e+02 0.0 0.0 7.215377e+02 1.72854e+02 0.0 0.0 0.0 1.0 0.0
P1: 7.215377e+02 0.0 6.095593e+02 0.0 0.0 7.215377e+02 1.72854e+02 0.0 0.0 0.0 1.0 0.0
P2: 7.215377e+02 0.0 6.095593e+02 0.0 0.0 7.215377e+02 1.72854e+02 0.0 0.0 0.0 1.0 0.0
P3: 7.215377e+02 0.0 6.095593e+02 0.0 0.0 7.215377e+02 1.72854e+02 0.0 0.0 0.0 1.0 0.0
R0_rect: 1.0 0.0 0.0 0.0 1.0 0.0 0.0 0.0 1.0
Tr_velo_to_cam: 0.0 -1.0 0.0 0.0 0.0 0.0 -1.0 0.0 1.0 0.0 0.0 0.0
Tr_imu_to_velo: 1.0 0.0 0.0 0.0 0.0 1.0 0.0 0.0 0.0 0.0 1.0 0.0
"""
# camera frame: x right, y down, z forward; location = bottom centre; h w l; rotation_y
LABELS = {0: 'Car 0.00 0 -1.67 500.0 150.0 600.0 220.0 1.50 1.60 3.90 2.00 1.65 20.00 0.00\n'
             'Pedestrian 0.00 1 0.20 700.0 140.0 720.0 200.0 1.70 0.60 0.80 -3.00 1.65 10.00 1.5708\n',
          1: 'Cyclist 0.00 0 0.00 300.0 150.0 350.0 210.0 1.70 0.60 1.80 -5.00 1.65 30.00 -1.5708\n'}


def write_tree(root, labels):
    import cv2
    for sub in ('velodyne', 'label_2', 'calib', 'image_2'):
        os.makedirs(root / 'training' / sub, exist_ok=True)
    os.makedirs(root / 'ImageSets', exist_ok=True)
    rng = np.random.default_rng(0)
    for idx, text in labels.items():
        name = f'{idx:06d}'
        pts = np.concatenate([rng.uniform([1, -10, -1.7], [40, 10, 1], (500, 3)), rng.random((500, 1))], 1)
        pts.astype(np.float32).tofile(root / 'training' / 'velodyne' / f'{name}.bin')
        (root / 'training' / 'label_2' / f'{name}.txt').write_text(text)
        (root / 'training' / 'calib' / f'{name}.txt').write_text(CALIB)
        cv2.imwrite(str(root / 'training' / 'image_2' / f'{name}.png'), np.zeros((375, 1242), np.uint8))
    (root / 'ImageSets' / 'train.txt').write_text('000000\n')
    (root / 'ImageSets' / 'val.txt').write_text('000001\n')
    (root / 'ImageSets' / 'test.txt').write_text('')


def load(root, ann_file):
    from mmdet3d.datasets import KittiDataset
    return KittiDataset(data_root=str(root), ann_file=ann_file, data_prefix=dict(pts='training/velodyne'),
                        pipeline=[dict(type='mmdet3d.LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4),
                                  dict(type='mmdet3d.LoadAnnotations3D', with_bbox_3d=True, with_label_3d=True)],
                        metainfo=dict(classes=['Pedestrian', 'Cyclist', 'Car']), box_type_3d='LiDAR',
                        modality=dict(use_lidar=True, use_camera=False), filter_empty_gt=False)


def angle_close(a, b):
    return abs((a - b + np.pi) % (2 * np.pi) - np.pi) < 1e-3


def test_hand_made_kitti_tree_loads_through_mmdet3d(tmp_path):
    write_tree(tmp_path, LABELS)
    write_kitti_infos(str(tmp_path))
    train = load(tmp_path, 'kitti_infos_train.pkl')
    assert len(train) == 1
    sample = train[0]
    assert sample['points'].tensor.shape == (500, 4)
    boxes = sample['gt_bboxes_3d'].tensor.numpy()
    labels = sample['gt_labels_3d']
    car = boxes[list(labels).index(2)]
    # by hand: lidar x = cam z, y = -cam x, z (bottom) = -cam y; yaw = -rotation_y - pi/2
    assert np.allclose(car[:6], [20.0, -2.0, -1.65, 3.9, 1.6, 1.5], atol=1e-4)
    assert angle_close(car[6], -np.pi / 2)
    ped = boxes[list(labels).index(0)]
    assert np.allclose(ped[:6], [10.0, 3.0, -1.65, 0.8, 0.6, 1.7], atol=1e-4)
    assert angle_close(ped[6], -np.pi)
    val = load(tmp_path, 'kitti_infos_val.pkl')
    assert list(val[0]['gt_labels_3d']) == [1]


def test_label_writer_round_trips_through_kittidataset(tmp_path):
    calib = KittiCalib.default()
    boxes = np.array([[15.0, 1.0, -1.73, 4.1, 1.7, 1.5, 0.4], [25.0, -4.0, -1.73, 0.8, 0.6, 1.8, -2.0]])
    text = label_lines(boxes, ['Car', 'Pedestrian'], [0, 2], calib)
    write_tree(tmp_path, {0: text, 1: text})
    for idx in (0, 1):
        (tmp_path / 'training' / 'calib' / f'{idx:06d}.txt').write_text(calib.lines())
    write_kitti_infos(str(tmp_path))
    loaded = load(tmp_path, 'kitti_infos_train.pkl')[0]['gt_bboxes_3d'].tensor.numpy()
    assert np.allclose(loaded[:, :6], boxes[:, :6], atol=2e-3)
    assert all(angle_close(a, b) for a, b in zip(loaded[:, 6], boxes[:, 6]))
