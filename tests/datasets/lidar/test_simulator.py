"""LiDAR simulator: ray casting against boxes, occlusion, determinism, track ids."""
import numpy as np
import pytest

from mmkd.datasets.lidar import KittiCalib, SpinningLidar, generate_scene, points_in_boxes, render_frame
from mmkd.datasets.lidar.sensor import ray_box_intersections


def test_ray_box_entry_distance_by_hand():
    dirs = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    box = np.array([[10.0, 0.0, -1.0, 2.0, 2.0, 2.0, 0.0]])   # faces at x = 9 and 11
    t, cos = ray_box_intersections(dirs, box)
    assert t[0, 0] == pytest.approx(9.0)
    assert cos[0, 0] == pytest.approx(1.0)
    assert np.isinf(t[1, 0])


def test_occluder_removes_points_behind_it():
    sensor = SpinningLidar(num_beams=16, elevation_range=(-10.0, 5.0), azimuth_step=0.5, range_noise=0.0,
                           dropout=0.0, far_dropout=0.0)
    target = np.array([20.0, 0.0, -1.73, 1.0, 4.0, 2.0, 0.0])
    wall = np.array([10.0, 0.0, -1.73, 0.3, 6.0, 3.0, 0.0])   # in front of the target, wider and taller
    alone = sensor.cast(target[None], np.array([0.5]), np.random.default_rng(0))
    hidden = sensor.cast(np.stack([target, wall]), np.array([0.5, 0.5]), np.random.default_rng(0))
    assert points_in_boxes(alone.points[:, :3], target[None], 0.05).sum() > 20
    assert points_in_boxes(hidden.points[:, :3], target[None], 0.05).sum() == 0
    assert hidden.rays_nearest[0] == 0 and hidden.rays_reaching[0] > 0


def test_ego_body_blocks_steep_beams():
    sensor = SpinningLidar(num_beams=8, elevation_range=(-60.0, -40.0), range_noise=0.0, dropout=0.0,
                           far_dropout=0.0)
    hits = sensor.cast(np.zeros((0, 7)), np.zeros(0), np.random.default_rng(0))
    # beams 40-60 degrees down hit the roof (1.45 m high, sensor at 1.73 m) within 2.25 m: no returns
    assert len(hits.points) == 0


def test_scene_and_frames_are_deterministic_and_track_ids_consistent():
    sensor = SpinningLidar(num_beams=8, azimuth_step=1.0)
    calib = KittiCalib.default()

    def run(seed):
        rng = np.random.default_rng(seed)
        scene = generate_scene(rng, num_frames=4)
        return scene, [render_frame(scene, f, sensor, rng, calib) for f in range(4)]

    (scene_a, frames_a), (_, frames_b) = run(3), run(3)
    for a, b in zip(frames_a, frames_b):
        assert np.array_equal(a.points, b.points) and np.array_equal(a.track_ids, b.track_ids)
    assert not np.array_equal(frames_a[0].points, run(4)[1][0].points)
    tracks = {t.track_id: t for t in scene_a.tracks}
    assert len(tracks) == len(scene_a.tracks)
    for frame in frames_a:
        assert len(set(frame.track_ids.tolist())) == len(frame.track_ids)
        for tid, box, name in zip(frame.track_ids, frame.boxes, frame.names):
            assert tracks[tid].category == name
            assert np.allclose(box[3:6], tracks[tid].size)    # one size per track in every frame
