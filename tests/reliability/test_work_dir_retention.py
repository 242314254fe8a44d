"""Work dirs: student-only checkpoints follow the full checkpoints' retention.

Four epochs with ``max_keep_ckpts=2`` and ``save_best``: the work dir keeps the
full and the student files of the last two epochs, ``student_latest.pth``
(the last epoch's student) and one best checkpoint with its student; before,
every epoch's student file stayed.
"""
import os
import re

import pytest
import torch

from helpers import load_tool

pytest.importorskip('timm')


def test_student_checkpoints_follow_max_keep_ckpts(tiny_config, tmp_path):
    work = tmp_path / 'run'
    load_tool('train').main([tiny_config(), '--work-dir', str(work), '--cfg-options', 'train_cfg.max_epochs=4',
                             'default_hooks.checkpoint.max_keep_ckpts=2',
                             'default_hooks.checkpoint.save_best=accuracy/top1'])
    files = sorted(f for f in os.listdir(work) if f.endswith('.pth'))
    assert [f for f in files if re.fullmatch(r'epoch_\d+\.pth', f)] == ['epoch_3.pth', 'epoch_4.pth']
    assert [f for f in files if re.fullmatch(r'student_epoch_\d+\.pth', f)] == \
        ['student_epoch_3.pth', 'student_epoch_4.pth']
    best = [f for f in files if f.startswith('best_')]
    student_best = [f for f in files if f.startswith('student_best_')]
    assert len(best) == 1 and student_best == ['student_' + best[0]]
    assert 'student_latest.pth' in files
    # the student files hold the same student weights as their full checkpoints
    for student_file, full_file in (('student_epoch_4.pth', 'epoch_4.pth'), ('student_latest.pth', 'epoch_4.pth'),
                                    (student_best[0], best[0])):
        student = torch.load(work / student_file, weights_only=True)['state_dict']
        full = torch.load(work / full_file, weights_only=True)['state_dict']
        assert all(torch.equal(v, full['student.' + k]) for k, v in student.items()), student_file
