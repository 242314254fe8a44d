"""Stable hashes: one spelling per config, tensors hashed by name, dtype, shape and bytes."""
import hashlib

import torch

from mmkd.utils.hashing import canonical_json, file_sha256, json_sha256, tensors_sha256


def test_canonical_json_is_order_free_and_plain():
    assert canonical_json(dict(b=(1, 2), a=dict(y=None, x=1.5))) == '{"a":{"x":1.5,"y":null},"b":[1,2]}'
    assert json_sha256(dict(a=1, b=2)) == json_sha256(dict(b=2, a=1)) == \
        hashlib.sha256(b'{"a":1,"b":2}').hexdigest()


def test_tensor_hash_sees_values_dtypes_shapes_and_names():
    base = tensors_sha256({'w': torch.zeros(2, 3)})
    assert base == tensors_sha256({'w': torch.zeros(2, 3)})
    changed = [{'w': torch.zeros(2, 3).index_fill(1, torch.tensor([0]), 1e-7)}, {'w': torch.zeros(3, 2)},
               {'w': torch.zeros(2, 3, dtype=torch.float64)}, {'v': torch.zeros(2, 3)}]
    assert len({base} | {tensors_sha256(t) for t in changed}) == 5


def test_file_sha256_is_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / 'f.bin'
    path.write_bytes(b'x' * 3000)
    assert file_sha256(str(path), chunk=1024) == hashlib.sha256(b'x' * 3000).hexdigest()
