import os

import pytest
import torch

from mmkd.utils.checkpoint import AtomicLocalBackend, atomic_save, load_state_dict_file


def test_atomic_save_keeps_old_file_when_writing_fails(tmp_path):
    path = tmp_path / 'ckpt.pth'
    atomic_save({'a': torch.ones(2)}, path)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError('boom')
    with pytest.raises(RuntimeError, match='boom'):
        atomic_save({'a': Unpicklable()}, path)
    assert torch.equal(torch.load(path)['a'], torch.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ['ckpt.pth']  # no temp file left behind


def test_atomic_backend_put_replaces_whole_file(tmp_path):
    backend = AtomicLocalBackend()
    target = tmp_path / 'sub' / 'last_checkpoint'
    backend.put_text('epoch_1.pth', target)
    backend.put_text('epoch_2.pth', target)
    assert target.read_text() == 'epoch_2.pth'
    assert os.listdir(target.parent) == ['last_checkpoint']


def test_load_state_dict_file_forms(tmp_path):
    sd = {'w': torch.zeros(1)}
    torch.save(sd, tmp_path / 'bare.pth')
    torch.save({'state_dict': sd, 'meta': {}}, tmp_path / 'full.pth')
    assert set(load_state_dict_file(str(tmp_path / 'bare.pth'))) == {'w'}
    assert set(load_state_dict_file(str(tmp_path / 'full.pth'))) == {'w'}
    with pytest.raises(FileNotFoundError, match='teacher checkpoint file not found'):
        load_state_dict_file(str(tmp_path / 'missing.pth'), what='teacher checkpoint')
