"""Memory of several DDP ranks reading one teacher cache: shared memory maps, no copy per rank.

Writes a float32 cache of ``--samples`` entries of ``--mib`` MiB each, then
reads every entry once, in batches of 2 through ``TeacherFeatureCache.read``
(the training step's read): first in one process, then in ``--ranks`` gloo
processes started by torchrun, each reading the half its ``DefaultSampler``
gives it. Each process reports, from ``/proc/self/status`` after its imports
and after reading: the peak RSS (``VmHWM``), the private memory (``RssAnon``)
and the file pages it maps (``RssFile``: the page cache, shared by every
process reading the same files, counted in full in each process's RSS;
``Pss_File`` splits each shared page between the processes mapping it). A
cache copied into each rank would show as ``RssAnon`` growing by the cache
size per rank.

    python benchmarks/cache_readers_memory.py [--samples 256] [--mib 1] [--ranks 2]
"""
import argparse
import json
import os
import os.path as osp
import socket
import subprocess
import sys
import tempfile

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

RECORDS = {'m': {'x': dict(cfg=dict(type='ModuleOutputs', source='x'), spec='T', leaves=['m.x.0'])}}


def status_mib() -> dict:
    fields = {}
    for path in ('/proc/self/status', '/proc/self/smaps_rollup'):
        with open(path) as f:
            fields.update(line.split(':', 1) for line in f if ':' in line and not line[0].isdigit())
    return {k: int(fields[k].split()[0]) / 1024 for k in ('VmHWM', 'RssAnon', 'RssFile', 'Pss_File')
            if k in fields}


def write_cache(cache_dir: str, samples: int, mib: float) -> None:
    from mmkd.cache import TeacherFeatureCacheWriter
    side = int((mib * 2 ** 20 / 4 / 64) ** 0.5)
    writer = TeacherFeatureCacheWriter(cache_dir, {'f': 'a'}, 'img_id', 'float32', 64)
    writer.set_records(RECORDS)
    for i in range(samples):
        writer.add(f'{i}|{{}}', {'m.x.0': np.full((64, side, side), i, np.float32)})
    writer.finish()


def read(cache_dir: str, out: str) -> None:
    """Read this process's share of the samples; write the memory report to ``out``."""
    import torch.distributed as dist
    from mmengine.dataset import DefaultSampler
    from mmkd.cache import TeacherFeatureCache
    distributed = 'RANK' in os.environ
    if distributed:
        dist.init_process_group('gloo')
    before = status_mib()
    cache = TeacherFeatureCache(cache_dir)
    ids = list(DefaultSampler(range(len(cache)), shuffle=False, round_up=False))
    for start in range(0, len(ids), 2):
        keys = [f'{i}|{{}}' for i in ids[start:start + 2]]
        cache.read(cache.locate(keys))
    report = dict(before=before, after=status_mib(), samples=len(ids))
    with open(out.format(rank=os.environ.get('RANK', 'single')), 'w') as f:
        json.dump(report, f)
    if distributed:
        from mmkd.utils.distributed import release_distributed
        release_distributed()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--samples', type=int, default=256)
    parser.add_argument('--mib', type=float, default=1.0, help='MiB per entry')
    parser.add_argument('--ranks', type=int, default=2)
    parser.add_argument('--quick', action='store_true', help='8 entries of 0.1 MiB: a smoke run')
    parser.add_argument('--read', nargs=2, metavar=('CACHE', 'OUT'), help=argparse.SUPPRESS)  # worker mode
    args = parser.parse_args(argv)
    if args.read:
        return read(*args.read)
    if args.quick:
        args.samples, args.mib = 8, 0.1
    env = dict(os.environ, OMP_NUM_THREADS='1')
    with tempfile.TemporaryDirectory(prefix='mmkd_readers_') as tmp:
        cache_dir = osp.join(tmp, 'cache')
        write_cache(cache_dir, args.samples, args.mib)
        size = sum(osp.getsize(osp.join(d, f)) for d, _, fs in os.walk(cache_dir) for f in fs) / 2 ** 20
        out = osp.join(tmp, 'report_{rank}.json')
        subprocess.run([sys.executable, __file__, '--read', cache_dir, out], env=env, check=True)
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        subprocess.run([sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={args.ranks}',
                        '--master_addr=127.0.0.1', f'--master_port={port}', __file__, '--read', cache_dir, out],
                       env=env, check=True, capture_output=True)
        rows = [('1 process', 'single')] + [(f'rank {r} of {args.ranks}', str(r)) for r in range(args.ranks)]
        print(f'cache: {args.samples} entries, {size:.0f} MiB on disk')
        print('| process | samples read | peak RSS MiB | RssAnon MiB (before -> after) | '
              'RssFile MiB (before -> after) | Pss_File MiB after |')
        print('|---|---|---|---|---|---|')
        for name, tag in rows:
            with open(out.format(rank=tag)) as f:
                r = json.load(f)
            b, a = r['before'], r['after']
            print(f'| {name} | {r["samples"]} | {a["VmHWM"]:.0f} | {b["RssAnon"]:.0f} -> {a["RssAnon"]:.0f} | '
                  f'{b["RssFile"]:.0f} -> {a["RssFile"]:.0f} | {a.get("Pss_File", float("nan")):.0f} |')


if __name__ == '__main__':
    main()
