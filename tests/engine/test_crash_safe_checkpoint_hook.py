"""CrashSafeCheckpointHook: the checkpoint it stops keeping is deleted only after the new one is written.

(tests/tools/test_kill_resume.py kills a real training in that window.)
"""
import os
from collections import deque

from mmengine.fileio import get_file_backend
from mmengine.logging import MessageHub

from mmkd.engine import CrashSafeCheckpointHook


class FakeRunner:
    """What the hook uses of a Runner; ``save_checkpoint`` notes the files present while it writes."""

    def __init__(self, folder):
        self.work_dir = str(folder)
        self.message_hub = MessageHub.get_instance('crash_safe_checkpoint_test')
        self.present_while_saving = []

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        self.present_while_saving.append(sorted(os.listdir(out_dir)))
        with open(os.path.join(out_dir, filename), 'wb') as f:
            f.write(b'new')


def test_keep_one_deletes_the_old_checkpoint_after_the_new_one(tmp_path):
    hook = CrashSafeCheckpointHook(interval=1, max_keep_ckpts=1)
    hook.out_dir, hook.file_backend, hook.filename_tmpl = str(tmp_path), get_file_backend(str(tmp_path)), 'epoch_{}.pth'
    hook.keep_ckpt_ids = deque([1], 1)
    (tmp_path / 'epoch_1.pth').write_bytes(b'old')
    runner = FakeRunner(tmp_path)
    hook._save_checkpoint_with_step(runner, 2, meta={})
    assert runner.present_while_saving == [['epoch_1.pth']]  # the old one was still there during the write
    assert sorted(os.listdir(tmp_path)) == ['epoch_2.pth', 'last_checkpoint']
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'epoch_2.pth')
    assert list(hook.keep_ckpt_ids) == [2] and runner.message_hub.get_info('keep_ckpt_ids') == [2]
    # saving the same step again (a best checkpoint in the same epoch) deletes nothing
    hook._save_checkpoint_with_step(runner, 2, meta={})
    assert sorted(os.listdir(tmp_path)) == ['epoch_2.pth', 'last_checkpoint']
