"""Two DDP ranks read one cache: each gets the entries of its own samples, through its own read-only
memory maps (no per-rank copy of the cache), with entries prefetched by dataloader workers.

This file is also the torchrun worker (see ``__main__`` at the bottom).
"""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # also run as a script by torchrun
sys.path.insert(0, ROOT)

NUM = 10
RECORDS = {'m': {'x': dict(cfg=dict(type='ModuleOutputs', source='x'), spec='T', leaves=['m.x.0'])}}


def key(i):
    return f'{i}|{{}}'


def samples():
    """Data samples as a dataset yields them: only an img_id (the cache key) and an input."""
    from mmengine.structures import BaseDataElement
    return [dict(inputs=np.full(2, i), data_samples=BaseDataElement(metainfo=dict(img_id=i))) for i in range(NUM)]


def collate(batch):
    return dict(inputs=[b['inputs'] for b in batch], data_samples=[b['data_samples'] for b in batch])


def worker(cache_dir: str, out_dir: str) -> None:
    import torch
    import torch.distributed as dist
    from mmengine.dataset import DefaultSampler
    from torch.utils.data import DataLoader
    from mmkd.cache import TeacherFeatureCache
    from mmkd.cache.prefetch import PREFETCH_FIELD, TeacherCachePrefetch
    from mmkd.utils.distributed import release_distributed

    dist.init_process_group('gloo')
    rank = dist.get_rank()
    cache = TeacherFeatureCache(cache_dir)
    dataset = samples()
    loader = DataLoader(dataset, batch_size=2, num_workers=1, collate_fn=TeacherCachePrefetch(collate, cache),
                        sampler=DefaultSampler(dataset, shuffle=True, seed=3))
    seen, wrong = [], []
    for batch in loader:
        for sample in batch['data_samples']:
            i = sample.metainfo['img_id']
            seen.append(i)
            entry = sample.get(PREFETCH_FIELD)
            prefetched = entry.batch.leaves['m.x.0'][entry.row]
            synchronous = cache.read(cache.locate([key(i)]))['m']['x'][0]
            if not (torch.all(prefetched == i) and torch.all(synchronous == i)):
                wrong.append(i)
    maps = [m for m in cache._maps.values()]
    report = dict(seen=seen, wrong=wrong, read_only=all(not m.flags.writeable for m in maps),
                  memmaps=all(isinstance(m, np.memmap) for m in maps) and bool(maps))
    with open(osp.join(out_dir, f'rank{rank}.json'), 'w') as f:
        json.dump(report, f)
    release_distributed()  # a live gloo group at exit can abort the process (SIGABRT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow  # two torchrun processes
def test_two_ranks_read_the_entries_of_their_own_samples(tmp_path):
    from mmkd.cache import TeacherFeatureCacheWriter
    cache_dir = str(tmp_path / 'cache')
    writer = TeacherFeatureCacheWriter(cache_dir, {'f': 'a'}, 'img_id', 'float32', 4)
    writer.set_records(RECORDS)
    for i in range(NUM):  # sample i's entry is filled with i
        writer.add(key(i), {'m.x.0': np.full((3, 2, 2), i, np.float32)})
    writer.finish()
    env = dict(os.environ, OMP_NUM_THREADS='1')
    done = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2', f'--master_port={free_port()}',
         '--master_addr=127.0.0.1', __file__, cache_dir, str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    reports = [json.loads((tmp_path / f'rank{r}.json').read_text()) for r in range(2)]
    for report in reports:
        assert report['wrong'] == [] and report['read_only'] and report['memmaps']
        assert len(report['seen']) == NUM // 2
    assert sorted(reports[0]['seen'] + reports[1]['seen']) == list(range(NUM))  # disjoint, complete


if __name__ == '__main__':
    worker(sys.argv[1], sys.argv[2])
