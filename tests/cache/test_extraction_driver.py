"""The one extraction loop: computes only what is missing, dedupes, stops and resumes, checks its input."""
import numpy as np
import pytest
import torch

from mmkd.cache import ComputedBatch, TeacherFeatureCache, run_extraction, to_storage
from mmkd.cache.index import CacheIndex, CacheMismatchError, recorder_signature

RECORDS = {'m': {'x': dict(cfg=recorder_signature(dict(type='Fake')), spec='T', leaves=['m.x.0'])}}
BATCHES = [(['1|{}', '2|{}'], [1, 2]), (['3|{}', '3|{}'], [3, 3]), (['4|{}', '5|{}'], [4, 5])]  # id|augmentation


class Doubler:
    """compute(): sample value v -> [v, 2v]; remembers which samples it was asked for."""

    def __init__(self):
        self.asked = []

    def __call__(self, data, todo):
        self.asked += [data[i] for i in todo]
        return ComputedBatch(RECORDS, [{'m.x.0': torch.tensor([data[i], 2.0 * data[i]])} for i in todo])


def read(cache_dir, key):
    cache = TeacherFeatureCache(cache_dir, recorders={'m': {'x': dict(type='Fake')}})
    return cache.read_sample(cache.locate([key])[0])['m']['x']


def test_writes_every_sample_once_and_marks_the_cache_complete(tmp_path):
    compute = Doubler()
    stats = run_extraction(str(tmp_path), {'f': 'a'}, 'img_id', BATCHES, compute, shard_size=2)
    assert stats == dict(written=5, skipped=1, shards=3)  # the repeated '3|{}' is computed once
    assert compute.asked == [1, 2, 3, 4, 5]
    assert CacheIndex.load(str(tmp_path)).complete
    assert read(str(tmp_path), '4|{}').tolist() == [4.0, 8.0]


def test_an_interrupted_run_resumes_computing_only_the_rest(tmp_path):
    first = run_extraction(str(tmp_path), {'f': 'a'}, 'img_id', BATCHES, Doubler(), shard_size=2,
                           stop_after_shards=1)
    assert first == dict(written=2, skipped=0, shards=1) and not CacheIndex.load(str(tmp_path)).complete
    compute = Doubler()
    second = run_extraction(str(tmp_path), {'f': 'a'}, lambda: 'img_id', BATCHES, compute, shard_size=2)
    assert compute.asked == [3, 4, 5] and second == dict(written=3, skipped=3, shards=2)
    assert CacheIndex.load(str(tmp_path)).complete
    with pytest.raises(CacheMismatchError):  # other fingerprints: refused, naming the ingredient
        run_extraction(str(tmp_path), {'f': 'b'}, 'img_id', BATCHES, Doubler())


def test_bad_input_is_refused_with_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match='my cache: there are no samples'):
        run_extraction(str(tmp_path / 'a'), {}, 'img_id', [], Doubler(), what='my cache')
    with pytest.raises(ValueError, match='compute returned 0 samples for 2 asked'):
        run_extraction(str(tmp_path / 'b'), {}, 'img_id', BATCHES, lambda data, todo: ComputedBatch(RECORDS, []))


def test_to_storage_casts_floats_and_refuses_float16_overflow():
    assert to_storage(torch.tensor([1.5]), 'float16', 'x').dtype == torch.float16
    assert to_storage(torch.tensor([3]), 'float16', 'x').dtype == torch.int64  # integers stay as they are
    with pytest.raises(OverflowError, match=r'leaf x exceeds the float16 range.*--dtype float32'):
        to_storage(torch.tensor([1e6]), 'float16', 'leaf x')
    assert np.isinf(to_storage(torch.tensor([float('inf')]), 'float16', 'x').numpy()).all()  # inf stays inf


KILLED_EXTRACTION = '''
import os, signal, sys
import runpy
runpy.run_path({tests!r} + '/../conftest.py')  # registers ToyNet, as pytest does
sys.path.insert(0, {tests!r})
import mmkd.cache.writer as writer
from cache_toy import PIPELINE, build_toy, toy_batches
from mmkd.cache import extract_from_loader
write, calls = writer._fsync_write, []
def write_then_die(path, data):  # SIGKILL in the middle of the second shard: one of its files written
    calls.append(path)
    write(path, data)
    if len(calls) == 5:  # shard 0: feat, logits, meta; shard 1: feat, logits
        os.kill(os.getpid(), signal.SIGKILL)
writer._fsync_write = write_then_die
extract_from_loader(build_toy(), lambda p: toy_batches(), PIPELINE, {cache_dir!r}, shard_size=4)
'''


@pytest.mark.slow  # a subprocess importing torch
def test_an_extraction_killed_mid_shard_resumes_to_the_same_cache_with_nothing_torn(tmp_path, toy_cache):
    import os
    import os.path as osp
    import subprocess
    import sys
    from cache_toy import PIPELINE, build_toy, toy_batches
    from mmkd.cache import extract_from_loader
    cache_dir = str(tmp_path / 'killed')
    script = KILLED_EXTRACTION.format(tests=osp.dirname(osp.abspath(__file__)), cache_dir=cache_dir)
    done = subprocess.run([sys.executable, '-c', script], env=dict(os.environ, OMP_NUM_THREADS='1'),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, done.stderr[-2000:]
    # shard 0 (feat, logits, meta) is in the index; shard 1 died before its meta, in its temporary folder
    torn = [n for n in os.listdir(cache_dir) if n.startswith('.tmp_shard_00001')]
    assert len(torn) == 1
    assert sorted(os.listdir(osp.join(cache_dir, torn[0]))) == ['teacher.feat.0.npy', 'teacher.logits.0.npy']
    assert sorted(CacheIndex.load(cache_dir).shards) == ['shard_00000']
    stats = extract_from_loader(build_toy(), lambda p: toy_batches(), PIPELINE, cache_dir, shard_size=4)
    assert stats == dict(written=2, skipped=4, shards=1)
    assert sorted(os.listdir(cache_dir)) == ['index.json', 'shard_00000', 'shard_00001']
    resumed, reference = TeacherFeatureCache(cache_dir, verify_hashes=True), TeacherFeatureCache(toy_cache)
    keys = sorted(reference.locations)
    assert sorted(resumed.locations) == keys
    for name in ('feat', 'logits'):
        assert torch.equal(resumed.read(resumed.locate(keys))['teacher'][name],
                           reference.read(reference.locate(keys))['teacher'][name])
