"""Object-complete frames: every object shown with the points of all its views.

For each track (ground-truth track ids), the points inside its box are taken
in every frame that labels it and moved into the box's canonical frame,
where the views line up; an :class:`~.accumulation.AccumulationStrategy`
merges them. Each frame is then rebuilt: the points inside its labelled
boxes are deleted and the merged object is placed into each box. Points
outside every box are never touched. The result shows objects as a single
sweep cannot (back sides, occluded parts, far objects with few returns):
the privileged input of an X-Ray teacher (Gambashidze et al., CVPR 2024).
It needs future frames and tracks, so it is built offline, once.

On disk the frames are a second point set beside the raw one (same sample
names, same infos, folder ``training/velodyne_complete``), written
atomically, sequence by sequence (resumable), and fingerprinted by the
strategy and the source set: other parameters rebuild it.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import shutil
from collections import defaultdict
from typing import Dict, List, Sequence, Union

import numpy as np

from ..embedded.storage import json_file_equals, log, write_json
from .accumulation import AccumulationStrategy, build_strategy
from .boxes import from_canonical, points_in_boxes, to_canonical
from .kitti_layout import read_points, write_points

COMPLETE_FOLDER = 'velodyne_complete'
VERSION = 1


def complete_sequence(points: Sequence[np.ndarray], boxes: Sequence[np.ndarray],
                      track_ids: Sequence[np.ndarray],
                      strategy: Union[str, dict, AccumulationStrategy] = 'concatenate') -> List[np.ndarray]:
    """Object-complete versions of a sequence's frames.

    Args:
        points: per frame (N_f, C) points, xyz first.
        boxes: per frame (M_f, 7) LiDAR boxes (x, y, z_bottom, l, w, h, yaw).
        track_ids: per frame (M_f,) track id of each box.
        strategy: how the views of one track are merged.
    """
    strategy = build_strategy(strategy)
    if not len(points) == len(boxes) == len(track_ids):
        raise ValueError(f'{len(points)} point clouds, {len(boxes)} box sets and {len(track_ids)} track-id '
                         'sets: one of each per frame')
    masks, views = [], defaultdict(list)          # track id -> [(frame, box index, canonical cloud)]
    for f, (pts, bxs, ids) in enumerate(zip(points, boxes, track_ids)):
        bxs = np.asarray(bxs, dtype=np.float64).reshape(-1, 7)
        if len(ids) != len(bxs):
            raise ValueError(f'frame {f}: {len(bxs)} boxes but {len(ids)} track ids')
        mask = points_in_boxes(pts[:, :3], bxs)
        masks.append(mask)
        for j, tid in enumerate(ids):
            inside = pts[mask[:, j]].astype(np.float64)
            inside[:, :3] = to_canonical(inside[:, :3], bxs[j])
            views[int(tid)].append((f, j, inside))
    merged_once: Dict[int, np.ndarray] = {}
    out = []
    for f, (pts, bxs, ids) in enumerate(zip(points, boxes, track_ids)):
        bxs = np.asarray(bxs, dtype=np.float64).reshape(-1, 7)
        parts = [pts[~masks[f].any(1)]]
        for j, tid in enumerate(ids):
            track = views[int(tid)]
            if strategy.depends_on_target:
                target = next(k for k, (frame, box_j, _) in enumerate(track) if frame == f and box_j == j)
                obj = strategy.accumulate([c for _, _, c in track], target)
            else:
                if int(tid) not in merged_once:
                    merged_once[int(tid)] = strategy.accumulate([c for _, _, c in track], 0)
                obj = merged_once[int(tid)]
            obj = obj.copy()
            obj[:, :3] = from_canonical(obj[:, :3], bxs[j])
            parts.append(obj.astype(pts.dtype))
        out.append(np.concatenate(parts, axis=0))
    return out


def lidar_boxes_from_info(info: dict) -> np.ndarray:
    """(M, 7) LiDAR boxes of a v2 KITTI info (its ``bbox_3d`` are camera boxes)."""
    from mmdet3d.structures import Box3DMode, CameraInstance3DBoxes
    cam = np.array([inst['bbox_3d'] for inst in info['instances']], dtype=np.float32).reshape(-1, 7)
    lidar2cam = np.array(info['images']['CAM2']['lidar2cam'], dtype=np.float32)
    boxes = CameraInstance3DBoxes(cam).convert_to(Box3DMode.LIDAR, np.linalg.inv(lidar2cam))
    return boxes.tensor.numpy().astype(np.float64)


def build_object_complete(root: str, strategy: Union[str, dict, AccumulationStrategy] = 'concatenate',
                          folder: str = COMPLETE_FOLDER, raw_folder: str = 'velodyne',
                          info_files: Sequence[str] = ('kitti_infos_train.pkl', 'kitti_infos_val.pkl'),
                          tracks_file: str = 'kitti_tracks.json') -> str:
    """Write ``root/training/<folder>/<idx>.bin`` for every sample of ``info_files``.

    ``tracks_file`` maps each sample name to its ``sequence`` and the
    ``track_ids`` of its labelled instances (in info order).
    """
    import mmengine
    strategy = build_strategy(strategy)
    tracks_path = osp.join(root, tracks_file)
    if not osp.isfile(tracks_path):
        raise FileNotFoundError(f'{tracks_path}: object-complete frames need the track id of every labelled '
                                'object (sample name -> sequence, track_ids)')
    with open(tracks_path, encoding='utf-8') as f:
        tracks = json.load(f)
    source = osp.join(root, 'meta.json')
    with open(source if osp.isfile(source) else tracks_path, encoding='utf-8') as f:
        source_fingerprint = json.load(f)
    meta = dict(kind='object_complete', version=VERSION, strategy=strategy.describe(), raw_folder=raw_folder,
                info_files=list(info_files), source=source_fingerprint)
    out_dir = osp.join(root, 'training', folder)
    meta_path = osp.join(out_dir, 'meta.json')
    if json_file_equals(meta_path, meta):
        log(f'{out_dir}: reusing the object-complete frames (same parameters)')
        return out_dir
    progress = osp.join(out_dir, 'progress', 'params.json')
    if not json_file_equals(progress, meta):
        shutil.rmtree(out_dir, ignore_errors=True)
        write_json(progress, meta)

    sequences = defaultdict(list)
    for info_file in info_files:
        for info in mmengine.load(osp.join(root, info_file))['data_list']:
            name = osp.splitext(info['lidar_points']['lidar_path'])[0]
            if name not in tracks:
                raise KeyError(f'{tracks_path}: no track ids for sample {name} of {info_file}')
            sequences[tracks[name]['sequence']].append((tracks[name]['frame'], name, info))
    for seq, samples in sorted(sequences.items()):
        done = osp.join(out_dir, 'progress', f'{seq}.done')
        if osp.isfile(done):
            continue
        samples.sort(key=lambda s: s[0])
        points = [read_points(osp.join(root, 'training', raw_folder, name + '.bin')) for _, name, _ in samples]
        boxes = [lidar_boxes_from_info(info) for _, _, info in samples]
        ids = []
        for _, name, info in samples:
            if len(tracks[name]['track_ids']) != len(info['instances']):
                raise ValueError(f'{tracks_path}: sample {name} has {len(tracks[name]["track_ids"])} track ids '
                                 f'but {len(info["instances"])} instances in the infos')
            ids.append(np.asarray(tracks[name]['track_ids']))
        for (_, name, _), frame in zip(samples, complete_sequence(points, boxes, ids, strategy)):
            write_points(osp.join(out_dir, name + '.bin'), frame)
        with open(done + '.tmp', 'w') as f:
            f.write('done\n')
        os.replace(done + '.tmp', done)
    write_json(meta_path, meta)
    shutil.rmtree(osp.join(out_dir, 'progress'))
    return out_dir
