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


def test_message_hub_state_round_trips_under_weights_only():
    """What --resume reads: mmengine's message hub, loaded with weights_only=True."""
    import io

    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('test_weights_only_hub')
    for value in (3.0, 1.0, 2.0):
        hub.update_scalar('train/loss', value)
    buffer = io.BytesIO()
    torch.save({'message_hub': hub.state_dict()}, buffer)
    assert b'getattr' not in buffer.getvalue()  # no function references pickled
    buffer.seek(0)
    restored = torch.load(buffer, weights_only=True)['message_hub']['log_scalars']['train/loss']
    assert (restored.min(), restored.max(), restored.mean(), restored.current()) == (1.0, 3.0, 2.0, 2.0)


def test_atomic_save_uses_normal_permissions(tmp_path):
    path = tmp_path / 'x.pth'
    atomic_save({'a': 1}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert (path.stat().st_mode & 0o777) == (0o666 & ~umask)
