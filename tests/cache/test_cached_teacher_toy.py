"""MultiTeacherDistill(teacher_cache=...) on ToyNet: same losses as the live teacher, no teacher forward."""
import numpy as np
import pytest
import torch

from mmkd.cache import (CacheIntegrityError, CacheMismatchError, TeacherCacheMiss, TeacherFeatureCache,
                        extract_from_loader)

from cache_toy import PIPELINE, build_toy, toy_batches


def count_calls(module):
    calls = []
    module.register_forward_pre_hook(lambda *_: calls.append(1))
    return calls


def step_losses(algo, batch):
    data = algo.data_preprocessor(batch, True)
    return algo(**data, mode='loss')


def open_cached(cache_dir, **cfg):
    algo = build_toy(teacher_cache=dict(cache_dir=cache_dir, **cfg))
    algo.open_teacher_cache(PIPELINE)
    return algo.train()


def assert_same_losses(a, b, rtol=1e-5, atol=1e-6):
    assert a.keys() == b.keys() and 'distill.loss_hint' in a and 'distill.loss_kd' in a
    for k in a:
        assert torch.allclose(a[k], b[k], rtol=rtol, atol=atol), (k, a[k], b[k])


def test_cached_losses_and_gradients_equal_live_ones_without_teacher_forward(toy_cache):
    live, cached = build_toy().train(), open_cached(toy_cache)
    calls = count_calls(cached.teacher)
    # training batches group samples differently from the extraction (3 vs 2)
    for batch in toy_batches(batch_size=3):
        expected, got = step_losses(live, batch), step_losses(cached, batch)
        assert_same_losses(expected, got)
        sum(expected.values()).backward()
        sum(got.values()).backward()
    assert calls == [] and cached.cached_teacher.batches_cached == 2
    for (name, p), q in zip(live.student.named_parameters(), cached.student.parameters()):
        assert torch.allclose(p.grad, q.grad, atol=1e-6), name
    # the teacher is still there for evaluation
    assert torch.equal(cached.teacher._forward(toy_batches()[0]['inputs']),
                       live.teacher._forward(toy_batches()[0]['inputs']))


def test_flipped_samples_read_their_own_entries(tmp_path):
    cache_dir = str(tmp_path / 'cache')
    # pass 0 draws no flip, pass 1 flips every image: both variants are stored
    stats = extract_from_loader(build_toy(), lambda p: toy_batches(flip=lambda i: p == 1), PIPELINE, cache_dir,
                                passes=2, shard_size=4)
    assert stats == dict(written=12, skipped=0, shards=3)
    cached, live = open_cached(cache_dir), build_toy().train()
    mixed = toy_batches(batch_size=6, flip=lambda i: i % 2 == 1)[0]
    assert_same_losses(step_losses(live, mixed), step_losses(cached, mixed))
    cache = cached.cached_teacher.cache
    plain = toy_batches(batch_size=6)[0]['data_samples']
    flipped = toy_batches(batch_size=6, flip=lambda i: True)[0]['data_samples']
    a = cache.read(cache.locate(cache.keys_for(plain[:1])))['teacher']['feat']
    b = cache.read(cache.locate(cache.keys_for(flipped[:1])))['teacher']['feat']
    assert not torch.allclose(a, b)


def test_miss_raises_naming_the_sample_or_falls_back_to_the_live_teacher(toy_cache):
    flipped = toy_batches(batch_size=2, flip=lambda i: i == 1)[0]
    strict = open_cached(toy_cache)
    with pytest.raises(TeacherCacheMiss, match=f"{toy_cache}.*sample '1' with augmentation .*\"flip\":true"):
        step_losses(strict, flipped)
    lenient, live = open_cached(toy_cache, on_miss='teacher'), build_toy().train()
    calls = count_calls(lenient.teacher)
    assert_same_losses(step_losses(live, flipped), step_losses(lenient, flipped))
    assert len(calls) == 1 and lenient.cached_teacher.batches_live == 1
    step_losses(lenient, toy_batches()[0])  # a fully cached batch skips the teacher again
    assert len(calls) == 1 and lenient.cached_teacher.batches_cached == 1


def test_cache_must_be_opened_and_must_match_the_teacher(toy_cache):
    unopened = build_toy(teacher_cache=dict(cache_dir=toy_cache)).train()
    with pytest.raises(RuntimeError, match='TeacherCacheHook'):
        step_losses(unopened, toy_batches()[0])
    other_teacher = build_toy(teacher_cache=dict(cache_dir=toy_cache), seed=1)
    with pytest.raises(CacheMismatchError, match='different teacher.teacher'):
        other_teacher.open_teacher_cache(PIPELINE)
    with pytest.raises(CacheMismatchError, match='different pipeline'):
        build_toy(teacher_cache=dict(cache_dir=toy_cache)).open_teacher_cache(PIPELINE + [dict(type='Flip')])
    with pytest.raises(ValueError, match='on_miss'):
        build_toy(teacher_cache=dict(cache_dir=toy_cache, on_miss='skip'))


def read_all(cache_dir):
    cache = TeacherFeatureCache(cache_dir)
    keys = sorted(cache.locations)
    return keys, cache.read(cache.locate(keys))


def assert_same_cache(dir_a, dir_b):
    keys_a, values_a = read_all(dir_a)
    keys_b, values_b = read_all(dir_b)
    assert keys_a == keys_b and len(keys_a) == 6
    for name in ('feat', 'logits'):
        assert torch.equal(values_a['teacher'][name], values_b['teacher'][name])


def test_interrupted_extraction_resumes_to_the_same_cache(tmp_path, toy_cache):
    algo, cache_dir = build_toy(), str(tmp_path / 'resumed')
    first = extract_from_loader(algo, lambda p: toy_batches(), PIPELINE, cache_dir, shard_size=4,
                                stop_after_shards=1)
    assert first == dict(written=4, skipped=0, shards=1)
    calls = count_calls(algo.teacher)
    second = extract_from_loader(algo, lambda p: toy_batches(), PIPELINE, cache_dir, shard_size=4)
    assert second == dict(written=2, skipped=4, shards=1) and len(calls) == 1
    assert_same_cache(toy_cache, cache_dir)


def test_truncated_shard_is_detected_and_re_extracted(tmp_path, toy_cache):
    import shutil
    damaged = str(tmp_path / 'damaged')
    shutil.copytree(toy_cache, damaged)
    path = f'{damaged}/shard_00000/teacher.feat.0.npy'
    with open(path, 'r+b') as f:
        f.truncate(200)
    with pytest.raises(CacheIntegrityError, match='shard_00000'):
        open_cached(damaged)
    stats = extract_from_loader(build_toy(), lambda p: toy_batches(), PIPELINE, damaged, shard_size=4)
    assert stats['written'] == 4 and stats['skipped'] == 2  # exactly the dropped shard's samples
    assert_same_cache(toy_cache, damaged)


def test_float16_cache_gives_losses_within_fp16_precision(tmp_path):
    cache_dir = str(tmp_path / 'f16')
    extract_from_loader(build_toy(), lambda p: toy_batches(), PIPELINE, cache_dir, dtype='float16')
    cached, live = open_cached(cache_dir), build_toy().train()
    batch = toy_batches(batch_size=6)[0]
    expected, got = step_losses(live, batch), step_losses(cached, batch)
    assert_same_losses(expected, got, rtol=2e-3, atol=1e-4)
    stored = np.load(f'{cache_dir}/shard_00000/teacher.feat.0.npy', mmap_mode='r')
    assert stored.dtype == np.float16


def test_float16_overflow_is_refused(tmp_path):
    algo = build_toy()
    with torch.no_grad():
        algo.teacher.neck.weight.mul_(1e6)
    with pytest.raises(OverflowError, match="recorder 'feat' of the teacher.*float32"):
        extract_from_loader(algo, lambda p: toy_batches(), PIPELINE, str(tmp_path / 'c'), dtype='float16')
