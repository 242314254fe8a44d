"""Entries read in the dataloader workers give the same batches as the synchronous read in the step."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MMLogger
from torch.utils.data import DataLoader

from cache_toy import PIPELINE, build_toy, toy_batches
from mmkd.cache import TeacherCacheMiss, extract_from_loader
from mmkd.cache.prefetch import PREFETCH_FIELD, TeacherCachePrefetch, stacked_leaf
from mmkd.engine import TeacherCacheHook


def opened(cache_dir, **cfg):
    algo = build_toy(teacher_cache=dict(cache_dir=cache_dir, **cfg))
    algo.open_teacher_cache(PIPELINE)
    return algo.train()


def teacher_values(algo, batch):
    """What the teacher recorders hold after the cached step's inject."""
    data = algo.data_preprocessor(batch, True)
    managers = algo.distiller.recorder_managers
    assert algo.cached_teacher.inject(data['data_samples'], managers, data['inputs'].device)
    return {name: managers['teacher'].get(name) for name in ('feat', 'logits')}


def without_entries(batch):
    """The batch as the dataloader gave it before prefetching (samples copied, entries dropped)."""
    plain = dict(inputs=batch['inputs'], data_samples=[s.clone() for s in batch['data_samples']])
    for s in plain['data_samples']:
        del s.teacher_cache_entry
    return plain


def no_sync_read(algo):
    def refuse(*args, **kwargs):
        raise AssertionError('the step read the cache although the entries were prefetched')
    algo.cached_teacher.cache.read = refuse


@pytest.mark.parametrize('dtype', ['float32', 'int8'])
def test_prefetched_entries_give_the_synchronous_batch_and_skip_the_read(tmp_path, dtype):
    cache_dir = str(tmp_path / dtype)
    extract_from_loader(build_toy(), lambda p: toy_batches(), PIPELINE, cache_dir, dtype=dtype, shard_size=4)
    sync, pre = opened(cache_dir), opened(cache_dir)
    prefetch = pre.cached_teacher.collate_fn(lambda batch: batch)
    no_sync_read(pre)
    batches = [prefetch(dict(batch)) for batch in toy_batches(batch_size=3)]  # other groupings than extraction
    # the samples as the worker stacked them, and regrouped after the worker (rows stacked again)
    regrouped = dict(inputs=torch.cat([batches[0]['inputs'][1:], batches[1]['inputs'][:1]]),
                     data_samples=batches[0]['data_samples'][1:] + batches[1]['data_samples'][:1])
    entries = [s.teacher_cache_entry for s in batches[0]['data_samples']]
    assert stacked_leaf(entries, 'teacher.feat.0') is entries[0].batch.leaves['teacher.feat.0']  # no copy
    for batch in batches + [regrouped]:
        expected, got = teacher_values(sync, without_entries(batch)), teacher_values(pre, batch)
        for name in expected:
            assert torch.equal(got[name], expected[name]), name
    assert pre.cached_teacher.batches_cached == 3


def collate(samples):
    return dict(inputs=torch.stack([s['inputs'] for s in samples]), data_samples=[s['data_sample'] for s in samples])


def toy_dataset():
    batch = toy_batches(batch_size=6)[0]
    return [dict(inputs=x, data_sample=s) for x, s in zip(batch['inputs'], batch['data_samples'])]


class LoopIterator:
    """Stands for IterBasedTrainLoop's iterator, which starts the workers when it is built."""

    def __init__(self, loader):
        self.loader = loader


def test_dataloader_workers_prefetch_through_the_hook(toy_cache):
    sync, pre = opened(toy_cache), build_toy(teacher_cache=dict(cache_dir=toy_cache)).train()
    loader = DataLoader(toy_dataset(), batch_size=2, num_workers=2, collate_fn=collate)
    loop = SimpleNamespace(dataloader=loader, dataloader_iterator=LoopIterator(None))
    runner = SimpleNamespace(model=pre, cfg=dict(train_dataloader=dict(dataset=dict(pipeline=PIPELINE))),
                             train_loop=loop, logger=MMLogger.get_current_instance())
    TeacherCacheHook().before_train(runner)  # opens the cache and wraps collate_fn
    assert isinstance(loader.collate_fn, TeacherCachePrefetch) and loop.dataloader_iterator.loader is loader
    no_sync_read(pre)
    for batch in loader:  # forked workers read the entries
        assert all(PREFETCH_FIELD in s for s in batch['data_samples'])
        expected, got = teacher_values(sync, without_entries(batch)), teacher_values(pre, batch)
        for name in expected:
            assert torch.equal(got[name], expected[name]), name
    TeacherCacheHook().before_train(runner)  # a second call does not wrap twice
    assert not isinstance(loader.collate_fn.collate, TeacherCachePrefetch)


def test_a_sample_without_entry_takes_the_synchronous_path_and_its_miss_rule(toy_cache):
    algo = opened(toy_cache)
    batch = toy_batches(batch_size=2, flip=lambda i: i == 1)[0]  # sample 1 flipped: not cached
    algo.cached_teacher.collate_fn(lambda b: b)(batch)
    assert not any(PREFETCH_FIELD in s for s in batch['data_samples'])  # the batch is read in the step
    with pytest.raises(TeacherCacheMiss, match="sample '1'"):
        teacher_values(algo, batch)
    off = opened(toy_cache, prefetch=False)
    with pytest.raises(RuntimeError, match='open'):
        build_toy(teacher_cache=dict(cache_dir=toy_cache)).cached_teacher.collate_fn(collate)
    assert off.cached_teacher.prefetch is False
