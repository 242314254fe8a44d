"""mmengine's CheckpointHook, in the order that survives a crash at any moment.

mmengine 0.10's ``CheckpointHook`` deletes the oldest kept checkpoint *before*
writing the new one and writes ``last_checkpoint`` with a plain ``open('w')``.
With ``max_keep_ckpts=1`` (the iteration-based and classification runtimes) a
kill during the write of checkpoint k+1 leaves ``last_checkpoint`` naming
checkpoint k, already deleted: ``--resume`` has nothing to resume and the whole
run is lost. Here the new checkpoint is written first (atomically, through the
``mmkd_atomic_local`` backend of the runtimes), then ``last_checkpoint`` is
replaced atomically, and only then are checkpoints no longer kept deleted. A
crash between the two last steps leaves one extra old file behind, never a
missing one. Everything else (intervals, best checkpoints, publishing) is
mmengine's.
"""
from __future__ import annotations

import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from mmkd.registry import HOOKS
from mmkd.utils.checkpoint import atomic_write_bytes


@HOOKS.register_module()
class CrashSafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` (same arguments) that deletes old checkpoints only after the new one is saved."""

    def _save_checkpoint_with_step(self, runner, step, meta):
        stale = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(self.out_dir, filename, self.file_client_args, save_optimizer=self.save_optimizer,
                               save_param_scheduler=self.save_param_scheduler, meta=meta, by_epoch=self.by_epoch,
                               backend_args=self.backend_args, **self.args)
        if not is_main_process():
            return
        atomic_write_bytes(str(self.last_ckpt).encode(), osp.join(runner.work_dir, 'last_checkpoint'))
        for old in stale:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # deepspeed writes folders
                self.file_backend.rmtree(path)
