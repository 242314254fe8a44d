"""Distributed extraction: per-rank parts merged into one cache, equal to a single-process one; a killed
rank resumes without re-extracting finished shards.

This file is also the torchrun worker of the kill test (see ``__main__`` at the bottom).
"""
import importlib.util
import json
import os
import os.path as osp
import signal
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # also run as a script by torchrun
sys.path.insert(0, ROOT)

from mmkd.cache import CacheIndex, CacheMismatchError, TeacherFeatureCache, TeacherFeatureCacheWriter  # noqa: E402
from mmkd.cache.parts import PARTS_DIR, merge_parts, part_dir, part_names  # noqa: E402

CONFIG = 'configs/cwd/cwd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py'
# 8 images, untrained teacher, in-process loading: a few seconds per rank. No random flip: the ranks
# draw augmentations from their own sequence, so only a deterministic pipeline gives the same keys.
OPTIONS = ['train_dataloader.dataset.indices=8', 'train_dataloader.num_workers=0',
           'train_dataloader.persistent_workers=False', 'model.teacher.ckpt=None',
           'train_dataloader.dataset.pipeline.3.prob=0.0']
ARGS = ['--shard-size', '2', '--batch-size', '2', '--cfg-options', *OPTIONS]
RECORDS = {'m': {'x': dict(cfg=dict(type='ModuleOutputs', source='x'), spec='T', leaves=['m.x.0'])}}


def write(cache_dir, ids, prints=None):
    writer = TeacherFeatureCacheWriter(cache_dir, prints or {'f': 'a'}, 'img_id', 'float32', 2)
    writer.set_records(RECORDS)
    for i in ids:
        writer.add(f'{i}|{{}}', {'m.x.0': np.full((2, 3), i, np.float32)})
    writer.finish()


def read_all(cache_dir):
    cache = TeacherFeatureCache(cache_dir, verify_hashes=True)
    keys = sorted(cache.locations)
    return keys, cache.read(cache.locate(keys))


def test_merged_parts_read_as_one_cache_and_foreign_parts_are_refused(tmp_path):
    write(str(tmp_path / 'single'), range(5))
    merged = str(tmp_path / 'merged')
    write(part_dir(merged, 0, 2), [0, 2, 4])
    write(part_dir(merged, 1, 2), [1, 3])
    index = merge_parts(merged)
    assert index.complete and sorted(index.shards) == ['parts/rank0-of2/shard_00000', 'parts/rank0-of2/shard_00001',
                                                       'parts/rank1-of2/shard_00000']
    keys, values = read_all(merged)
    ref_keys, ref_values = read_all(str(tmp_path / 'single'))
    assert keys == ref_keys and torch.equal(values['m']['x'], ref_values['m']['x'])
    # a single-process run on the merged cache resumes it: nothing is extracted again
    assert '3|{}' in TeacherFeatureCacheWriter(merged, {'f': 'a'}, 'img_id', 'float32', 2)
    write(part_dir(merged, 0, 3), [7], prints={'f': 'b'})  # a stale part of another teacher
    with pytest.raises(CacheMismatchError, match=r"part rank0-of3 has another fingerprints than part rank0-of2 \(\{'f': 'b'\}"):
        merge_parts(merged)
    assert merge_parts(str(tmp_path / 'single')) is None  # no parts: nothing to merge


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def finished_shards(cache_dir):
    """'parts/<part>/<shard>' of every shard a part index lists as written."""
    found = set()
    for name in part_names(cache_dir):
        index = CacheIndex.load(osp.join(cache_dir, PARTS_DIR, name))
        found.update(osp.relpath(index.shard_path(shard), cache_dir) for shard in index.shards)
    return found


def shard_files(cache_dir, shards):
    """file path -> (inode, mtime) of every .npy file of the given shard directories."""
    found = {}
    for shard in shards:
        for name in os.listdir(osp.join(cache_dir, shard)):
            if name.endswith('.npy'):
                st = os.stat(osp.join(cache_dir, shard, name))
                found[osp.join(shard, name)] = (st.st_ino, st.st_mtime_ns)
    return found


@pytest.mark.slow  # one in-process extraction and two torchrun runs of two processes
def test_two_rank_extraction_equals_one_process_and_a_killed_rank_resumes(tmp_path):
    from mmengine.config import Config
    from mmkd.cache import extract_teacher_features
    from mmkd.datasets import set_data_root
    from mmkd.datasets.embedded import generate_detection
    data_root = generate_detection(str(tmp_path / 'shapes_coco'), num_train=8, num_val=1)
    args = [*ARGS, f'data_root={data_root}']  # --cfg-options is last in ARGS
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    set_data_root(cfg, data_root)
    cfg.merge_from_dict({'train_dataloader.dataset.indices': 8, 'train_dataloader.num_workers': 0,
                         'train_dataloader.persistent_workers': False, 'model.teacher.ckpt': None,
                         'train_dataloader.dataset.pipeline.3.prob': 0.0})
    single = str(tmp_path / 'single')
    extract_teacher_features(cfg, single, shard_size=2, batch_size=2)

    dist = str(tmp_path / 'dist')
    env = dict(os.environ, OMP_NUM_THREADS='1', MMKD_TEST_KILL_RANK='1')
    first = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2', f'--master_port={free_port()}',
         '--master_addr=127.0.0.1', __file__, CONFIG, '--cache-dir', dist, '--launcher', 'pytorch', *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode != 0 and 'exitcode: -9' in first.stdout + first.stderr, \
        (first.stdout + first.stderr)[-3000:]
    assert not osp.exists(osp.join(dist, 'index.json'))  # no merge before every rank is done
    with pytest.raises(FileNotFoundError, match='no merged index.json.*run the same'):
        TeacherFeatureCache(dist)
    rank1 = json.loads(open(osp.join(part_dir(dist, 1, 2), 'index.json')).read())
    assert sorted(rank1['shards']) == ['shard_00000'] and not rank1['complete']
    finished = finished_shards(dist)  # rank 0's whole part (rank 1 waited for it) and rank 1's first shard
    assert finished == {'parts/rank0-of2/shard_00000', 'parts/rank0-of2/shard_00001', 'parts/rank1-of2/shard_00000'}
    before = shard_files(dist, finished)

    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable, PORT=str(free_port()))
    second = subprocess.run([osp.join(ROOT, 'tools', 'dist_extract_teacher_features.sh'), CONFIG, '2',
                             '--cache-dir', dist, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, (second.stdout + second.stderr)[-3000:]
    assert all(shard_files(dist, finished)[path] == stamp for path, stamp in before.items())  # untouched
    assert finished_shards(dist) - finished == {'parts/rank1-of2/shard_00001'}  # only the unfinished shard
    assert 'merged 4 shards of 2 ranks (complete)' in second.stdout + second.stderr

    keys, values = read_all(dist)
    ref_keys, ref_values = read_all(single)
    assert keys == ref_keys and len(keys) == 8
    for level, (got, ref) in enumerate(zip(values['teacher']['fpn'], ref_values['teacher']['fpn'])):
        assert torch.equal(got, ref), f'FPN level {level}'


def kill_after_first_shard() -> None:
    """On rank MMKD_TEST_KILL_RANK: SIGKILL this process right after its first shard is in its index,
    once the other rank's part is complete (or after a minute), so that its finished part is on disk."""
    import time
    from mmkd.cache.writer import TeacherFeatureCacheWriter as Writer
    flush = Writer.flush

    def other_part_complete(cache_dir):  # cache_dir: this rank's part; the index is replaced atomically
        index = CacheIndex.load(part_dir(osp.dirname(osp.dirname(cache_dir)), 0, 2))
        return index is not None and index.complete

    def flush_then_die(self):
        flush(self)
        if self.shards_written == 1:
            deadline = time.time() + 60
            while not other_part_complete(self.cache_dir) and time.time() < deadline:
                time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGKILL)

    Writer.flush = flush_then_die


if __name__ == '__main__':
    if os.environ.get('RANK') == os.environ.get('MMKD_TEST_KILL_RANK'):
        kill_after_first_shard()
    spec = importlib.util.spec_from_file_location('extract_tool', osp.join(ROOT, 'tools',
                                                                           'extract_teacher_features.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main(sys.argv[1:])
