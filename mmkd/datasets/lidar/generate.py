"""Generate the embedded LiDAR set: simulated sequences in the KITTI 3D object layout.

``generate_lidar(root, seed)`` writes ``root/training/{velodyne,label_2,calib,
image_2}``, ``root/ImageSets/{train,val,trainval,test}.txt``, the info files
``kitti_infos_{train,val}.pkl`` made by mmdet3d's own converters (so the set
is read by mmdet3d's ``KittiDataset`` unchanged) and ``kitti_tracks.json``:
per sample its sequence, frame and the track id of every labelled object (in
label order), which the object-complete frames need.

Sequences are written one by one, each closed by a record under
``sequences/``; an interrupted run resumes after the last complete
sequence. ``meta.json`` (the fingerprint of every parameter) is written last;
a rerun with the same parameters reuses the set, other parameters regenerate.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import shutil
import tempfile
from dataclasses import asdict
from typing import Optional

from ..embedded.seeding import item_rng
from ..embedded.storage import (is_up_to_date, json_file_equals, log, make_meta, prepare_root, write_json,
                                write_meta)
from .frames import render_frame
from .kitti_layout import KittiCalib, label_lines, write_sample
from .mmdet3d_converters import converter
from .scene import CATEGORIES, generate_scene
from .sensor import SpinningLidar

GENERATED = ('training', 'ImageSets', 'sequences', 'kitti_infos_train.pkl', 'kitti_infos_val.pkl',
             'kitti_tracks.json')
PROGRESS_FILE = 'generation.json'
TRACKS_FILE = 'kitti_tracks.json'
MAX_FRAMES = 100  # sample index = sequence * MAX_FRAMES + frame


def sample_index(sequence: int, frame: int) -> int:
    return sequence * MAX_FRAMES + frame


def generate_lidar(root: str, seed: int = 0, num_train: int = 20, num_val: int = 5,
                   num_frames: int = 12, frame_interval: float = 0.2, density: float = 1.0,
                   sensor: Optional[SpinningLidar] = None, label_range: float = 70.0) -> str:
    """Write (or reuse) the set under ``root``; ``num_train``/``num_val`` count sequences."""
    if not 1 <= num_frames < MAX_FRAMES:
        raise ValueError(f'num_frames must be in [1, {MAX_FRAMES - 1}], got {num_frames}')
    if num_train < 1 or num_val < 1:
        raise ValueError(f'need >= 1 train and val sequence, got {num_train} / {num_val}')
    sensor = sensor or SpinningLidar()
    params = dict(num_train=num_train, num_val=num_val, num_frames=num_frames, frame_interval=frame_interval,
                  density=density, label_range=label_range, sensor=asdict(sensor))
    meta = make_meta('lidar_kitti', seed, params, list(CATEGORIES))
    if is_up_to_date(root, meta):
        log(f'{root}: reusing the LiDAR set (same parameters)')
        return root
    progress = osp.join(root, PROGRESS_FILE)
    if not json_file_equals(progress, meta):  # other parameters: start over
        prepare_root(root, ())
        for name in GENERATED:
            path = osp.join(root, name)
            if osp.isdir(path):
                shutil.rmtree(path)
            elif osp.exists(path):
                os.remove(path)
        write_json(progress, meta)
    calib = KittiCalib.default()
    splits = {'train': range(num_train), 'val': range(num_train, num_train + num_val)}
    for split, sequences in splits.items():
        for seq in sequences:
            record = osp.join(root, 'sequences', f'{seq:04d}.json')
            if osp.isfile(record):
                continue
            local = seq if split == 'train' else seq - num_train
            rng = item_rng(seed, 'lidar', split, local)
            scene = generate_scene(rng, num_frames, frame_interval, density)
            frames = []
            for f in range(num_frames):
                frame = render_frame(scene, f, sensor, rng, calib, label_range)
                idx = sample_index(seq, f)
                write_sample(root, idx, frame.points, label_lines(frame.boxes, frame.names, frame.occluded, calib),
                             calib)
                frames.append(dict(sample_idx=idx, frame=f, track_ids=frame.track_ids.tolist(),
                                   ego_pose=scene.ego_poses[f].tolist()))
            write_json(record, dict(sequence=seq, split=split, frames=frames))
        log(f'{root}: {split} sequences done')
    _write_image_sets(root, num_train, num_train + num_val, num_frames)
    write_kitti_infos(root)
    tracks = {}
    for seq in range(num_train + num_val):
        with open(osp.join(root, 'sequences', f'{seq:04d}.json'), encoding='utf-8') as f:
            record = json.load(f)
        for frame in record['frames']:
            tracks[f"{frame['sample_idx']:06d}"] = dict(sequence=seq, frame=frame['frame'],
                                                        track_ids=frame['track_ids'])
    write_json(osp.join(root, TRACKS_FILE), tracks)
    write_meta(root, meta)
    os.remove(progress)
    return root



def _write_image_sets(root: str, num_train: int, num_total: int, num_frames: int) -> None:
    def ids(seqs):
        return ''.join(f'{sample_index(s, f):06d}\n' for s in seqs for f in range(num_frames))
    sets = dict(train=ids(range(num_train)), val=ids(range(num_train, num_total)), test='')
    sets['trainval'] = sets['train'] + sets['val']
    for name, text in sets.items():
        path = osp.join(root, 'ImageSets', f'{name}.txt')
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path + '.tmp', 'w') as f:
            f.write(text)
        os.replace(path + '.tmp', path)


def write_kitti_infos(root: str) -> None:
    """mmdet3d's converter (v1 infos), then its v2 update, in a scratch folder;
    the final files are moved in with ``os.replace``."""
    kitti_converter = converter('kitti_converter')
    update = converter('update_infos_to_v2')
    with tempfile.TemporaryDirectory(dir=root) as scratch:
        v1, v2 = osp.join(scratch, 'v1'), osp.join(scratch, 'v2')
        os.makedirs(v1)
        os.makedirs(v2)
        kitti_converter.create_kitti_info_file(root, 'kitti', save_path=v1)
        for split in ('train', 'val'):
            update.update_pkl_infos('kitti', out_dir=v2, pkl_path=osp.join(v1, f'kitti_infos_{split}.pkl'))
            os.replace(osp.join(v2, f'kitti_infos_{split}.pkl'), osp.join(root, f'kitti_infos_{split}.pkl'))
