"""Fixtures of the cache tests."""
import pytest

from cache_toy import PIPELINE, build_toy, toy_batches


@pytest.fixture
def toy_cache(tmp_path):
    """A complete float32 cache of ``toy_batches()`` for ``build_toy()``'s teacher."""
    from mmkd.cache import extract_from_loader
    algo = build_toy()
    cache_dir = str(tmp_path / 'cache')
    extract_from_loader(algo, lambda p: toy_batches(), PIPELINE, cache_dir, shard_size=4)
    return cache_dir
