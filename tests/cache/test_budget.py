"""The storage budget: measured on the first batch, refused before the first shard when the disk is too small."""
import os

import pytest
import torch

from cache_toy import PIPELINE, build_toy, toy_batches
from mmkd.cache import extract_from_loader
from mmkd.cache.budget import StorageBudgetError, free_space, human_bytes, measure
from mmkd.cache.extraction_driver import encode_leaf


def test_bytes_per_sample_count_int8_scales_with_their_tensor():
    leaves = [{**encode_leaf('t.fpn.0', torch.randn(1, 4, 3, 5), 'int8', 'w'),
               **encode_leaf('t.ids.0', torch.arange(2).view(1, 2), 'int8', 'w')}]
    leaves = [{k: v[0].numpy() for k, v in leaves[0].items()}]
    budget = measure(leaves, to_write=10, free=10 ** 9)
    # 4*3*5 int8 values + 4 float32 scales; two int64 ids
    assert budget.tensor_bytes == {'t.fpn.0': 60 + 16, 't.ids.0': 16}
    assert budget.total == 920 and budget.fits
    assert free_space('/nonexistent/dir/below/root') > 0  # the nearest existing parent's disk
    assert human_bytes(1536) == '1.50 KiB'


def test_a_cache_that_does_not_fit_is_refused_naming_the_numbers_and_leaves_nothing(tmp_path):
    cache_dir = str(tmp_path / 'cache')
    algo = build_toy()
    # toy teacher: feat 8x8x8 and logits 3 float32 values per sample = 2060 bytes; 6 samples x 2 passes
    with pytest.raises(StorageBudgetError, match=r"needs about 24\.14 KiB \(24720 bytes: 2\.01 KiB per sample "
                                                 r"x 12 samples\).*1000 bytes\) free.*--ignore-budget"):
        extract_from_loader(algo, lambda p: toy_batches(), PIPELINE, cache_dir, passes=2, budget_samples=12,
                            free_bytes=1000)
    assert not os.path.exists(cache_dir)
    stats = extract_from_loader(algo, lambda p: toy_batches(), PIPELINE, cache_dir, budget_samples=6,
                                free_bytes=1000, allow_over_budget=True, shard_size=4)
    assert stats['written'] == 6


def test_a_resumed_cache_budgets_only_what_is_left(tmp_path):
    cache_dir = str(tmp_path / 'cache')
    algo = build_toy()
    extract_from_loader(algo, lambda p: toy_batches(), PIPELINE, cache_dir, shard_size=4, stop_after_shards=1)
    # 4 of 6 samples stored: 2 x 2060 bytes fit in 5000, all 6 would not
    stats = extract_from_loader(algo, lambda p: toy_batches(), PIPELINE, cache_dir, shard_size=4,
                                budget_samples=6, free_bytes=5000)
    assert stats == dict(written=2, skipped=4, shards=1)
