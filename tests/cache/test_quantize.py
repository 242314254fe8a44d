"""int8 storage: per-sample per-channel scales, error within half a scale step, read back in the teacher dtype."""
import numpy as np
import pytest
import torch

from cache_toy import PIPELINE, build_toy, toy_batches
from mmkd.cache import CacheMismatchError, TeacherFeatureCache, extract_from_loader
from mmkd.cache.extraction_driver import encode_leaf
from mmkd.cache.quantize import dequantize_int8, quantize_int8


def test_scales_are_per_sample_and_channel_and_the_error_is_at_most_half_a_step():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, 5, 6, generator=g) * torch.tensor([0.01, 1.0, 30.0, 0.0]).view(1, 4, 1, 1)
    stored = quantize_int8(x, 'x')
    q, scale = stored[''], stored['.scale']
    assert q.dtype == torch.int8 and scale.shape == (3, 4) and scale.dtype == torch.float32
    # by hand: the largest magnitude of each channel of each sample maps to 127
    expected = np.abs(x.numpy()).reshape(3, 4, -1).max(-1) / 127
    np.testing.assert_allclose(scale.numpy(), expected, rtol=1e-6)
    assert int(q.abs().max()) == 127 and torch.all(q[:, 3] == 0)  # an all-zero channel stays zero
    back = dequantize_int8(q, scale, torch.float64)
    assert back.dtype == torch.float64
    bound = scale.double().view(3, 4, 1, 1) / 2
    assert torch.all((back - x.double()).abs() <= bound * (1 + 1e-6) + 1e-12)
    # a small-valued channel keeps its own resolution (a whole-map scale would zero it)
    small = x[:, 0].double()
    assert torch.round(small / (x.abs().max() / 127)).abs().max() == 0  # what one scale per map would store
    assert (back[:, 0] - small).abs().max() < 0.01 * small.abs().max()


def test_vectors_are_stored_as_float16_integers_as_they_are_and_non_finite_values_refused():
    assert set(encode_leaf('m.r.0', torch.randn(2, 5), 'int8', 'w')) == {'m.r.0'}
    assert encode_leaf('m.r.0', torch.randn(2, 5), 'int8', 'w')['m.r.0'].dtype == torch.float16
    assert encode_leaf('m.r.0', torch.arange(4).view(2, 2), 'int8', 'w')['m.r.0'].dtype == torch.int64
    assert set(encode_leaf('m.r.0', torch.randn(2, 3, 4), 'int8', 'w')) == {'m.r.0', 'm.r.0.scale'}
    with pytest.raises(ValueError, match=r"recorder 'feat'.*inf or NaN.*float32"):
        encode_leaf('m.r.0', torch.tensor([[[float('inf')]]]), 'int8', "recorder 'feat'")
    with pytest.raises(ValueError, match='dtype must be one of'):
        encode_leaf('m.r.0', torch.randn(2, 3, 4), 'int4', 'w')


def test_int8_cache_reads_back_within_the_scale_bound_in_the_teacher_dtype(tmp_path, toy_cache):
    int8_dir = str(tmp_path / 'int8')
    extract_from_loader(build_toy(), lambda p: toy_batches(), PIPELINE, int8_dir, dtype='int8', shard_size=4)
    exact, packed = TeacherFeatureCache(toy_cache), TeacherFeatureCache(int8_dir)
    keys = sorted(exact.locations)
    ref = exact.read(exact.locate(keys))['teacher']['feat']  # (6, 8, H, W) float32 maps
    got = packed.read(packed.locate(keys), float_dtypes=dict(teacher=torch.float64))['teacher']['feat']
    assert got.dtype == torch.float64 and got.shape == ref.shape
    bound = ref.abs().flatten(2).amax(2).double() / 127 / 2
    assert torch.all((got - ref.double()).abs() <= bound[..., None, None] * (1 + 1e-6) + 1e-12)
    stored = np.load(f'{int8_dir}/shard_00000/teacher.feat.0.npy', mmap_mode='r')
    assert stored.dtype == np.int8
    assert packed.index.data['dtype'] == 'int8'
    one = packed.read_sample(packed.locate(keys[:1])[0])['teacher']['feat']
    assert torch.allclose(one, got[0].float())
    with pytest.raises(CacheMismatchError, match="dtype='int8'.*'float16'"):  # the mode is part of the cache
        extract_from_loader(build_toy(), lambda p: toy_batches(), PIPELINE, int8_dir, dtype='float16')
