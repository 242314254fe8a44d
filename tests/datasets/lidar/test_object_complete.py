"""Object-complete frames: canonical round trip, single-frame ablation, untouched background."""
import numpy as np
import pytest

from mmkd.datasets.lidar import (ConcatenateStrategy, ICPStrategy, SingleFrameStrategy, complete_sequence,
                                 from_canonical, points_in_boxes, to_canonical)
from mmkd.datasets.lidar.accumulation import build_strategy, icp


def _box_points(rng, box, n):
    """``n`` points uniformly inside ``box`` (x, y, z_bottom, l, w, h, yaw), by hand."""
    local = (rng.random((n, 3)) - 0.5) * np.asarray(box[3:6]) * 0.98
    c, s = np.cos(box[6]), np.sin(box[6])
    return np.stack([box[0] + c * local[:, 0] - s * local[:, 1], box[1] + s * local[:, 0] + c * local[:, 1],
                     box[2] + box[5] / 2 + local[:, 2]], axis=1)


def _frames(rng):
    """Two frames of one car (track 7) moving and turning, plus background points far from it."""
    boxes = [np.array([[10.0, 2.0, -1.7, 4.0, 1.8, 1.5, 0.3]]), np.array([[12.0, 2.5, -1.7, 4.0, 1.8, 1.5, 0.5]])]
    frames = []
    for b in boxes:
        obj = _box_points(rng, b[0], 40)
        background = np.stack([rng.uniform(-30, 0, 100), rng.uniform(-20, 20, 100), rng.uniform(-2, 1, 100)], 1)
        xyz = np.concatenate([obj, background])
        frames.append(np.concatenate([xyz, rng.random((len(xyz), 1))], axis=1).astype(np.float32))
    return frames, boxes, [np.array([7]), np.array([7])]


def test_canonical_round_trip():
    rng = np.random.default_rng(0)
    box = np.array([5.0, -3.0, -1.6, 4.2, 1.7, 1.5, 2.1])
    pts = _box_points(rng, box, 100)
    canon = to_canonical(pts, box)
    # canonical points lie in the axis-aligned box centred at the origin
    assert (np.abs(canon) <= np.array([2.1, 0.85, 0.75])).all()
    assert np.abs(from_canonical(canon, box) - pts).max() <= 1e-5


def test_canonical_frame_by_hand():
    box = np.array([1.0, 2.0, 0.0, 4.0, 2.0, 2.0, np.pi / 2])  # heading +y, centre z = 1
    # a point 1 m ahead of the centre along the heading is (1, 0, 0) in the canonical frame
    assert np.allclose(to_canonical(np.array([[1.0, 3.0, 1.0]]), box), [[1.0, 0.0, 0.0]])


def test_single_frame_strategy_leaves_frames_unchanged_up_to_order():
    frames, boxes, ids = _frames(np.random.default_rng(1))
    out = complete_sequence(frames, boxes, ids, SingleFrameStrategy())
    for before, after in zip(frames, out):
        assert before.shape == after.shape
        a = before[np.lexsort(before.T[::-1])]
        b = after[np.lexsort(after.T[::-1])]
        assert np.abs(a - b).max() <= 1e-5


def test_concatenate_completes_objects_and_never_removes_outside_points():
    frames, boxes, ids = _frames(np.random.default_rng(2))
    out = complete_sequence(frames, boxes, ids, ConcatenateStrategy())
    for f, (before, after) in enumerate(zip(frames, out)):
        outside_before = before[~points_in_boxes(before[:, :3], boxes[f]).any(1)]
        outside_after = after[~points_in_boxes(after[:, :3], boxes[f], margin=1e-4).any(1)]
        assert len(outside_after) == len(outside_before) == 100
        assert np.array_equal(np.sort(outside_before, axis=0), np.sort(outside_after, axis=0))
        # the object now holds both frames' views: 2 x 40 points, all inside this frame's box
        assert points_in_boxes(after[:, :3], boxes[f], margin=1e-4).sum() == 80


def test_icp_recovers_a_shifted_view():
    rng = np.random.default_rng(3)
    target = np.concatenate([_box_points(rng, [0, 0, -0.75, 4, 1.8, 1.5, 0], 400)])
    # an L-shaped partial view (two sides), rotated 5 degrees and shifted 0.2 m
    angle = np.deg2rad(5)
    rot = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
    source = target[:200] @ rot.T + np.array([0.2, -0.1, 0.0])
    r, t = icp(source, target, iterations=50, max_distance=1.0)
    assert np.abs((source @ r.T + t) - target[:200]).mean() < 0.05


def test_icp_strategy_keeps_point_count_and_build_by_name():
    frames, boxes, ids = _frames(np.random.default_rng(4))
    out = complete_sequence(frames, boxes, ids, dict(type='icp', iterations=5))
    assert [len(o) for o in out] == [180, 180]
    assert isinstance(build_strategy('icp'), ICPStrategy)
    with pytest.raises(KeyError, match='unknown accumulation strategy'):
        build_strategy('merge_all')


def test_mismatched_inputs_fail_clearly():
    frames, boxes, _ = _frames(np.random.default_rng(5))
    with pytest.raises(ValueError, match='track ids'):
        complete_sequence(frames, boxes, [np.array([1, 2]), np.array([1])])
