"""The on-disk cache: round trips, padding, fp16, integrity checks, refusal of foreign caches."""
import json
import os

import numpy as np
import pytest
import torch

from mmkd.cache import (CacheIntegrityError, CacheMismatchError, TeacherFeatureCache,
                        TeacherFeatureCacheWriter)

PRINTS = dict(pipeline='p1', data_preprocessor='d1', **{'teacher.teacher': 't1'})
RECORDS = dict(teacher=dict(
    fpn=dict(cfg=dict(type='ModuleOutputs', source='neck'), spec={'tuple': ['T', 'T']},
             leaves=['teacher.fpn.0', 'teacher.fpn.1']),
    ids=dict(cfg=dict(type='ModuleOutputs', source='ids'), spec='T', leaves=['teacher.ids.0'])))


def sample(i, h=4, w=4):
    rng = np.random.default_rng(i)
    return {'teacher.fpn.0': rng.standard_normal((3, h, w)).astype(np.float32),
            'teacher.fpn.1': rng.standard_normal((3, h // 2, w // 2)).astype(np.float32),
            'teacher.ids.0': np.array([i, 2 * i], dtype=np.int64)}


def write(cache_dir, samples, dtype='float32', shard_size=2, finish=True, prints=PRINTS):
    writer = TeacherFeatureCacheWriter(str(cache_dir), prints, 'img_id', dtype, shard_size)
    writer.set_records(RECORDS)
    for key, leaves in samples.items():
        if dtype == 'float16':
            leaves = {k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in leaves.items()}
        writer.add(key, leaves, [4, 4])
    if finish:
        writer.finish()
    return writer


def key(i, flip=False):
    return f'{i}|{{"flip":{"true" if flip else "false"}}}'


def test_round_trip_is_exact_in_float32_with_structure_and_dtypes(tmp_path):
    samples = {key(i): sample(i) for i in range(5)}
    write(tmp_path, samples)
    cache = TeacherFeatureCache(str(tmp_path), PRINTS)
    assert len(cache) == 5 and sorted(os.listdir(tmp_path)) == ['index.json', 'shard_00000', 'shard_00001',
                                                                  'shard_00002']
    order = [3, 0, 4]
    out = cache.read(cache.locate([key(i) for i in order]))
    fpn = out['teacher']['fpn']
    assert isinstance(fpn, tuple) and len(fpn) == 2
    for level in range(2):
        expected = np.stack([samples[key(i)][f'teacher.fpn.{level}'] for i in order])
        assert fpn[level].dtype == torch.float32 and torch.equal(fpn[level], torch.from_numpy(expected))
    assert out['teacher']['ids'].dtype == torch.int64
    assert out['teacher']['ids'].tolist() == [[3, 6], [0, 0], [4, 8]]


def test_float16_storage_reads_back_as_teacher_dtype_within_fp16_precision(tmp_path):
    samples = {key(i): sample(i) for i in range(4)}
    write(tmp_path / 'f32', samples)
    write(tmp_path / 'f16', samples, dtype='float16')
    cache = TeacherFeatureCache(str(tmp_path / 'f16'))
    out = cache.read(cache.locate([key(1), key(2)]), float_dtypes=dict(teacher=torch.float64))
    ref = np.stack([samples[key(1)]['teacher.fpn.0'], samples[key(2)]['teacher.fpn.0']])
    got = out['teacher']['fpn'][0]
    assert got.dtype == torch.float64
    # fp16 keeps 11 significant bits: relative error <= 2**-11 for normal numbers
    assert np.all(np.abs(got.numpy() - ref) <= np.abs(ref) * 2.0 ** -11 + 1e-7)
    assert not torch.equal(got, torch.from_numpy(ref).double())  # it really was rounded
    f16 = np.load(tmp_path / 'f16' / 'shard_00000' / 'teacher.fpn.0.npy', mmap_mode='r')
    f32 = np.load(tmp_path / 'f32' / 'shard_00000' / 'teacher.fpn.0.npy', mmap_mode='r')
    assert f16.dtype == np.float16 and f16.nbytes * 2 == f32.nbytes


def test_samples_of_different_sizes_are_zero_padded_bottom_right(tmp_path):
    samples = {key(0): sample(0, 4, 4), key(1): sample(1, 2, 6)}
    write(tmp_path, samples)
    cache = TeacherFeatureCache(str(tmp_path))
    fpn0 = cache.read(cache.locate([key(0), key(1)]))['teacher']['fpn'][0]
    assert fpn0.shape == (2, 3, 4, 6)
    expected = np.zeros((2, 3, 4, 6), np.float32)
    expected[0, :, :4, :4] = samples[key(0)]['teacher.fpn.0']
    expected[1, :, :2, :6] = samples[key(1)]['teacher.fpn.0']
    assert torch.equal(fpn0, torch.from_numpy(expected))


def test_truncated_shard_is_detected_and_can_be_skipped(tmp_path):
    write(tmp_path, {key(i): sample(i) for i in range(4)})
    path = tmp_path / 'shard_00001' / 'teacher.fpn.0.npy'
    with open(path, 'r+b') as f:
        f.truncate(os.path.getsize(path) - 10)
    with pytest.raises(CacheIntegrityError, match='shard_00001.*truncated'):
        TeacherFeatureCache(str(tmp_path))
    cache = TeacherFeatureCache(str(tmp_path), allow_bad_shards=True)
    assert cache.locate([key(0), key(2)]) == [(0, 0), None]


def test_corrupt_bytes_are_caught_by_hashes(tmp_path):
    write(tmp_path, {key(i): sample(i) for i in range(4)})
    path = tmp_path / 'shard_00000' / 'teacher.fpn.1.npy'
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    TeacherFeatureCache(str(tmp_path))  # same size: the fast check passes
    with pytest.raises(CacheIntegrityError, match='shard_00000.*sha256'):
        TeacherFeatureCache(str(tmp_path), verify_hashes=True)
    # a resumed extraction drops the shard, so its samples are extracted again
    writer = TeacherFeatureCacheWriter(str(tmp_path), PRINTS, 'img_id', 'float32', 2)
    assert key(0) not in writer and key(2) in writer
    assert not (tmp_path / 'shard_00000').exists()


def test_cache_made_with_other_pipeline_or_recorders_is_refused(tmp_path):
    write(tmp_path, {key(0): sample(0)})
    other = dict(PRINTS, pipeline='p2')
    with pytest.raises(CacheMismatchError, match=f"{tmp_path}.*different pipeline"):
        TeacherFeatureCache(str(tmp_path), other)
    with pytest.raises(CacheMismatchError, match='different pipeline'):
        TeacherFeatureCacheWriter(str(tmp_path), other, 'img_id')
    with pytest.raises(CacheMismatchError, match="recorder 'fpn' of the teacher was extracted as"):
        TeacherFeatureCache(str(tmp_path), PRINTS, dict(teacher=dict(fpn=dict(type='ModuleOutputs',
                                                                              source='backbone'))))
    with pytest.raises(CacheMismatchError, match="no recorder 'logits'"):
        TeacherFeatureCache(str(tmp_path), PRINTS, dict(teacher=dict(logits=dict(source='head'))))
    # the same recorder spelled with the scope prefix is the same recorder
    TeacherFeatureCache(str(tmp_path), PRINTS, dict(teacher=dict(fpn=dict(type='mmkd.ModuleOutputs',
                                                                          source='neck'))))


def test_interrupted_cache_is_refused_and_resumed(tmp_path):
    write(tmp_path, {key(i): sample(i) for i in range(3)}, finish=False)  # shard 0 written, sample 2 lost
    (tmp_path / 'shard_00007').mkdir()  # a shard renamed into place before the index was updated
    with pytest.raises(CacheMismatchError, match='incomplete'):
        TeacherFeatureCache(str(tmp_path))
    assert len(TeacherFeatureCache(str(tmp_path), allow_incomplete=True)) == 2
    writer = TeacherFeatureCacheWriter(str(tmp_path), PRINTS, 'img_id', 'float32', 2)
    assert key(1) in writer and key(2) not in writer
    assert not (tmp_path / 'shard_00007').exists()
    writer.add(key(2), sample(2))
    writer.finish()
    index = json.loads((tmp_path / 'index.json').read_text())
    assert index['complete'] and sorted(index['shards']) == ['shard_00000', 'shard_00001']
    assert len(TeacherFeatureCache(str(tmp_path))) == 3


def test_missing_cache_names_the_folder_and_the_tool(tmp_path):
    with pytest.raises(FileNotFoundError, match='extract_teacher_features'):
        TeacherFeatureCache(str(tmp_path / 'nowhere'))


def test_object_store_uris_are_refused_naming_what_works():
    with pytest.raises(ValueError, match=r"'s3://bucket/cache': s3:// paths are not supported.*mounted file system"):
        TeacherFeatureCache('s3://bucket/cache')
    with pytest.raises(ValueError, match='petrel:// paths are not supported'):
        TeacherFeatureCacheWriter('petrel://cluster/cache', PRINTS, 'img_id')


def _read_in_child(cache_dir, keys, queue):
    cache = TeacherFeatureCache(cache_dir)
    out = cache.read(cache.locate(keys))
    queue.put([out['teacher']['fpn'][0].numpy().tobytes(), out['teacher']['ids'].tolist()])


def test_several_processes_read_the_same_cache(tmp_path):
    """As DDP ranks do: each process opens its own read-only memory maps."""
    import multiprocessing
    samples = {key(i): sample(i) for i in range(4)}
    write(tmp_path, samples)
    keys = [key(3), key(1)]
    ctx = multiprocessing.get_context('fork')
    queue = ctx.Queue()
    procs = [ctx.Process(target=_read_in_child, args=(str(tmp_path), keys, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    expected = np.stack([samples[k]['teacher.fpn.0'] for k in keys]).tobytes()
    for fpn0, ids in results:
        assert fpn0 == expected and ids == [[3, 6], [1, 2]]
