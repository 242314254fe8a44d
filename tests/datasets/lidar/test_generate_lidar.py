"""The generated LiDAR set: KITTI layout via mmdet3d's converter, tracks, reuse, object-complete sweeps."""
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest

pytest.importorskip('mmdet3d')

import mmengine  # noqa: E402

from mmkd.datasets.lidar import (SpinningLidar, build_object_complete, generate_lidar,  # noqa: E402
                                 lidar_boxes_from_info, points_in_boxes, read_points)

from helpers import ROOT  # noqa: E402
# the parameters of the tiny_lidar_root fixture (tests/conftest.py)
SMALL = dict(num_train=1, num_val=1, num_frames=3, sensor=SpinningLidar(num_beams=16, azimuth_step=1.0))


@pytest.fixture
def lidar_root(tiny_lidar_root):
    return tiny_lidar_root


def test_layout_infos_and_tracks(lidar_root):
    train = mmengine.load(osp.join(lidar_root, 'kitti_infos_train.pkl'))
    val = mmengine.load(osp.join(lidar_root, 'kitti_infos_val.pkl'))
    assert len(train['data_list']) == 3 and len(val['data_list']) == 3
    with open(osp.join(lidar_root, 'kitti_tracks.json')) as f:
        tracks = json.load(f)
    categories = {}
    for info in train['data_list'] + val['data_list']:
        name = osp.splitext(info['lidar_points']['lidar_path'])[0]
        assert osp.isfile(osp.join(lidar_root, 'training', 'velodyne', name + '.bin'))
        ids = tracks[name]['track_ids']
        assert len(ids) == len(info['instances'])
        boxes = lidar_boxes_from_info(info)
        points = read_points(osp.join(lidar_root, 'training', 'velodyne', name + '.bin'))
        assert (points_in_boxes(points[:, :3], boxes).sum(0) >= 1).all()  # labelled objects are seen
        for tid, inst, box in zip(ids, info['instances'], boxes):
            key = (tracks[name]['sequence'], tid)
            categories.setdefault(key, (inst['bbox_label_3d'], np.round(box[3:6], 3).tolist()))
            assert categories[key] == (inst['bbox_label_3d'], np.round(box[3:6], 3).tolist())


def test_same_parameters_reuse_and_seed_determinism(lidar_root, tmp_path):
    meta = osp.join(lidar_root, 'meta.json')
    stamp = os.stat(meta).st_mtime_ns
    generate_lidar(lidar_root, seed=0, **SMALL)
    assert os.stat(meta).st_mtime_ns == stamp
    other = str(tmp_path / 'again')
    generate_lidar(other, seed=0, **dict(SMALL, num_val=1))
    for name in ('000000.bin', '000102.bin'):
        a = read_points(osp.join(lidar_root, 'training', 'velodyne', name))
        b = read_points(osp.join(other, 'training', 'velodyne', name))
        assert np.array_equal(a, b)


def test_object_complete_folder(lidar_root):
    out = build_object_complete(lidar_root, strategy='single_frame', folder='velodyne_single')
    for name in ('000000', '000101'):
        raw = read_points(osp.join(lidar_root, 'training', 'velodyne', name + '.bin'))
        same = read_points(osp.join(out, name + '.bin'))
        assert raw.shape == same.shape
        assert np.abs(np.sort(raw, 0) - np.sort(same, 0)).max() <= 1e-5
    full = build_object_complete(lidar_root, strategy='concatenate')  # built by the fixture: reused
    stamp = os.stat(osp.join(full, 'meta.json')).st_mtime_ns
    assert build_object_complete(lidar_root, strategy='concatenate') == full
    assert os.stat(osp.join(full, 'meta.json')).st_mtime_ns == stamp    # reused
    raw = read_points(osp.join(lidar_root, 'training', 'velodyne', '000001.bin'))
    complete = read_points(osp.join(full, '000001.bin'))
    assert len(complete) > len(raw)                                       # views of other frames added


def test_cli_reuses_the_set(lidar_root, capsys):
    spec = importlib.util.spec_from_file_location('generate_lidar_cli',
                                                  osp.join(ROOT, 'tools', 'data', 'generate_lidar.py'))
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    with pytest.raises(SystemExit):
        cli.main(['--help'])
    args = cli.parse_args(['--root', lidar_root, '--num-train', '1'])
    assert args.root == lidar_root and args.num_train == 1 and args.strategy == 'concatenate'


def test_object_complete_resumes_after_an_interruption(lidar_root, monkeypatch):
    import mmkd.datasets.lidar.object_complete as object_complete
    calls = []
    real = object_complete.complete_sequence

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # dies in the second sequence
        return real(*args, **kwargs)

    monkeypatch.setattr(object_complete, 'complete_sequence', interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_object_complete(lidar_root, strategy='icp', folder='velodyne_icp')
    out = osp.join(lidar_root, 'training', 'velodyne_icp')
    assert not osp.isfile(osp.join(out, 'meta.json'))          # not marked complete
    calls.clear()
    monkeypatch.setattr(object_complete, 'complete_sequence', lambda *a, **k: calls.append(1) or real(*a, **k))
    build_object_complete(lidar_root, strategy='icp', folder='velodyne_icp')
    assert len(calls) == 1                                         # only the unfinished sequence again
    assert osp.isfile(osp.join(out, 'meta.json')) and len([f for f in os.listdir(out) if f.endswith('.bin')]) == 6
