"""Kill a real training with SIGKILL and resume it: nothing is lost.

``tools/train.py`` runs in a subprocess on a short CWD distillation (RetinaNet
pair, 8 generated images, 4 iterations an epoch, validation after each epoch).
It is killed (1) in the middle of epoch 2, after ``epoch_1.pth`` exists, and
(2) while ``epoch_2.pth`` is being written (the temporary file is truncated to
half and the process killed before the rename, as a crash would leave it),
and (3) the same with ``max_keep_ckpts=1``, where mmengine's own hook deleted
``epoch_1.pth`` before writing ``epoch_2.pth``.
``--resume`` must then finish the schedule with weights equal, bit for bit, to
those of an uninterrupted run with the same seed (CPU, one thread), and a torn
file must never be what ``last_checkpoint`` names.
"""
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
import torch

pytest.importorskip('mmdet')

from helpers import ROOT, small_cfg  # noqa: E402

pytestmark = pytest.mark.slow

CONFIG = osp.join(ROOT, 'configs/cwd/cwd_logits_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py')
EPOCHS = 2
TRAIN = osp.join(ROOT, 'tools', 'train.py')
# run tools/train.py with os.replace stopping (after truncating the temporary file to half) on the
# rename that would create epoch_2.pth: the state a SIGKILL in the middle of that write leaves
TEAR_EPOCH_2 = r'''
import os, runpy, sys, time
real_replace = os.replace
def torn_replace(src, dst):
    if str(dst).endswith('epoch_2.pth') and not osp.basename(str(dst)).startswith('student'):
        size = os.path.getsize(src)
        os.truncate(src, size // 2)
        open(dst + '.torn', 'w').close()  # tells the test the write is in progress
        time.sleep(600)
    return real_replace(src, dst)
import os.path as osp
os.replace = torn_replace
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
'''


def launch(args, log, prefix=()):
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    return subprocess.Popen([sys.executable, *prefix, TRAIN, *args], stdout=open(log, 'w'),
                            stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def wait_for(proc, log, condition, what, timeout=240):
    start = time.time()
    while time.time() - start < timeout:
        if condition():
            return
        if proc.poll() is not None:
            raise AssertionError(f'training ended (rc {proc.returncode}) before {what}:\n{tail(log)}')
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f'timed out waiting for {what}:\n{tail(log)}')


def tail(log, n=3000):
    with open(log) as f:
        return f.read()[-n:]


def finish(proc, log, timeout=300):
    assert proc.wait(timeout) == 0, tail(log)


def state_dict(path):
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def assert_same_weights(path, reference):
    got, want = state_dict(path), state_dict(reference)
    assert got.keys() == want.keys()
    differ = [k for k in want if not torch.equal(got[k], want[k])]
    assert not differ, f'{len(differ)} tensors differ from the uninterrupted run, e.g. {differ[:3]}'


def last_checkpoint(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


@pytest.fixture(scope='module')
def config_file(det_root, tmp_path_factory):
    folder = tmp_path_factory.mktemp('kill_resume')
    cfg = small_cfg(CONFIG, det_root, str(folder / 'unused'), EPOCHS, 'annotations/instances_val2017.json')
    cfg.train_cfg.val_interval = 1  # validation between epochs must not move the training random streams
    cfg.train_dataloader.batch_size = 2
    path = str(folder / 'config.py')
    cfg.dump(path)
    return path


@pytest.fixture(scope='module')
def reference(config_file, tmp_path_factory):
    """An uninterrupted run, started at once; the final checkpoint's path is awaited on first use."""
    work_dir = str(tmp_path_factory.mktemp('uninterrupted'))
    log = osp.join(work_dir, 'stdout.log')
    proc = launch([config_file, '--work-dir', work_dir], log)

    def final():
        if proc.returncode is None:
            finish(proc, log)
        return osp.join(work_dir, f'epoch_{EPOCHS}.pth')
    yield final
    if proc.poll() is None:
        proc.kill()


def test_sigkill_mid_epoch_then_resume_matches_uninterrupted(config_file, reference, tmp_path):
    work_dir, log = str(tmp_path / 'run'), str(tmp_path / 'killed.log')
    proc = launch([config_file, '--work-dir', work_dir], log)
    in_epoch_2 = re.compile(r'Epoch\(train\)\s*\[2\]\[\s*2/4\]')
    wait_for(proc, log, lambda: osp.isfile(osp.join(work_dir, 'epoch_1.pth')) and in_epoch_2.search(tail(log, 20000)),
             'the second iteration of epoch 2')
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))
    assert osp.basename(last_checkpoint(work_dir)) == 'epoch_1.pth'

    log = str(tmp_path / 'resumed.log')
    finish(launch([config_file, '--work-dir', work_dir, '--resume'], log), log)
    assert osp.basename(last_checkpoint(work_dir)) == f'epoch_{EPOCHS}.pth'
    assert_same_weights(osp.join(work_dir, f'epoch_{EPOCHS}.pth'), reference())


def test_sigkill_during_checkpoint_write_never_exposes_a_torn_file(config_file, reference, tmp_path):
    work_dir, log = str(tmp_path / 'run'), str(tmp_path / 'torn.log')
    proc = launch([config_file, '--work-dir', work_dir], log, prefix=('-c', TEAR_EPOCH_2))
    wait_for(proc, log, lambda: osp.exists(osp.join(work_dir, 'epoch_2.pth.torn')), 'the write of epoch_2.pth')
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    torn = [f for f in os.listdir(work_dir) if f.startswith('.tmp_')]
    assert torn, 'the half-written temporary file should still be there'
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))
    named = last_checkpoint(work_dir)
    assert osp.basename(named) == 'epoch_1.pth'
    state_dict(named)  # the checkpoint last_checkpoint names is whole

    log = str(tmp_path / 'resumed.log')
    finish(launch([config_file, '--work-dir', work_dir, '--resume'], log), log)
    assert osp.basename(last_checkpoint(work_dir)) == f'epoch_{EPOCHS}.pth'
    assert_same_weights(osp.join(work_dir, f'epoch_{EPOCHS}.pth'), reference())


def test_keeping_one_checkpoint_a_kill_during_the_next_write_keeps_the_previous(config_file, reference, tmp_path):
    """With max_keep_ckpts=1 (iteration-based and classification runtimes) the old checkpoint may only
    go once the new one is written: else a kill mid-write leaves last_checkpoint naming a deleted file."""
    work_dir, log = str(tmp_path / 'run'), str(tmp_path / 'torn.log')
    keep_one = ['--cfg-options', 'default_hooks.checkpoint.max_keep_ckpts=1']
    proc = launch([config_file, '--work-dir', work_dir, *keep_one], log, prefix=('-c', TEAR_EPOCH_2))
    wait_for(proc, log, lambda: osp.exists(osp.join(work_dir, 'epoch_2.pth.torn')), 'the write of epoch_2.pth')
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    named = last_checkpoint(work_dir)
    assert osp.basename(named) == 'epoch_1.pth' and osp.isfile(named), os.listdir(work_dir)

    log = str(tmp_path / 'resumed.log')
    finish(launch([config_file, '--work-dir', work_dir, '--resume', *keep_one], log), log)
    assert sorted(f for f in os.listdir(work_dir) if f.startswith('epoch_') and f.endswith('.pth')) == \
        [f'epoch_{EPOCHS}.pth']
    assert_same_weights(osp.join(work_dir, f'epoch_{EPOCHS}.pth'), reference())
