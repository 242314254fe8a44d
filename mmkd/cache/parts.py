"""Caches extracted by several processes: one part per rank, one merged index.

``tools/dist_extract_teacher_features.sh CONFIG N`` starts N processes; rank
``r`` of ``N`` extracts every N-th sample (mmengine's ``DefaultSampler``
without padding) into its own complete cache ``<cache_dir>/parts/rank<r>-of<N>``
(own shards and ``index.json``, written atomically and resumed exactly as a
single-process cache). No two processes ever write the same file. Once all
ranks are done, rank 0 writes ``<cache_dir>/index.json`` listing every part's
shards as ``parts/<part>/shard_xxxxx`` (with their sizes and hashes, copied
from the part indices), so readers see one ordinary cache. A rank that died
is resumed by running the same command again: finished shards are kept, and
the merge after it marks the cache complete once every part is.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Dict, List, Optional

from .index import INDEX_FILE, CacheIndex, CacheMismatchError

PARTS_DIR = 'parts'
# index entries that must agree between the parts of one cache
_SAME = ('fingerprints', 'id_kind', 'dtype', 'records')


def part_dir(cache_dir: str, rank: int, world_size: int) -> str:
    return osp.join(cache_dir, PARTS_DIR, f'rank{rank}-of{world_size}')


def part_names(cache_dir: str) -> List[str]:
    root = osp.join(cache_dir, PARTS_DIR)
    if not osp.isdir(root):
        return []
    return sorted(name for name in os.listdir(root) if osp.isfile(osp.join(root, name, INDEX_FILE)))


def merge_parts(cache_dir: str) -> Optional[CacheIndex]:
    """Write ``cache_dir/index.json`` from the indices of its parts; returns it
    (None when there are no parts). Shards written directly into ``cache_dir``
    by a single-process extraction stay listed. The merged cache is complete
    when every part is; parts made with other fingerprints, storage dtype or
    recorders than the others are refused, naming both."""
    names = part_names(cache_dir)
    if not names:
        return None
    parts = {name: CacheIndex.load(osp.join(cache_dir, PARTS_DIR, name)) for name in names}
    first_name, first = next(iter(parts.items()))
    for name, index in parts.items():
        for entry in _SAME:
            if index.data[entry] != first.data[entry] and index.data[entry] and first.data[entry]:
                raise CacheMismatchError(
                    f'teacher cache {cache_dir!r}: part {name} has another {entry} than part {first_name} '
                    f'({index.data[entry]!r} vs {first.data[entry]!r}); delete the stale part and extract again')
    merged = CacheIndex.load(cache_dir)
    if merged is None:
        merged = CacheIndex.create(cache_dir, first.data['fingerprints'], first.data['id_kind'],
                                   first.data['dtype'])
    else:
        merged.check_fingerprints(first.data['fingerprints'], hint='merging the parts of a distributed extraction')
        if merged.data['dtype'] != first.data['dtype']:
            raise CacheMismatchError(f'teacher cache {cache_dir!r} stores dtype={merged.data["dtype"]!r}, its parts '
                                     f'{first.data["dtype"]!r}; use one storage mode per cache_dir')
    records = next((index.records for index in parts.values() if index.records), {})
    shards: Dict[str, dict] = {name: entry for name, entry in merged.shards.items()
                               if not name.startswith(PARTS_DIR + '/')}
    for name, index in parts.items():
        for shard, entry in index.shards.items():
            shards[f'{PARTS_DIR}/{name}/{shard}'] = entry
    merged.data.update(shards=shards, records=records or merged.records,
                       complete=all(index.complete for index in parts.values()))
    merged.save()
    return merged
