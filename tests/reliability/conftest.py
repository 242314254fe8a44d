"""Fixtures of the bad-input catalogue: a tiny real classification set and a tiny
distillation config that tools/train.py trains in about a second.

The pair is the KD config of the embedded classification set with both models
shrunk to one-block ViTs (patch 8, width 16 / 32), the data a generated set of
32 training and 16 validation PNGs, one epoch of batch 8.
"""
import json
import os
import os.path as osp
import re
import shutil
from contextlib import contextmanager

import pytest

from helpers import ROOT

KD_CFG = osp.join(ROOT, 'configs/kd/kd_logits_resnet18_deit-e64-d4_adamw-10e_shapes-cls.py')


@pytest.fixture(scope='session', autouse=True)
def unformatted_config_text():
    """mmengine formats the config with yapf twice per Runner (the log and the work dir's copy):
    about 4 s of this tiny run's 5. The catalogue checks errors, not config layout: keep the text
    as mmengine writes it before formatting (still valid Python)."""
    import mmengine.config.config as mmengine_config
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mmengine_config, 'FormatCode', lambda text, **kwargs: (text, False))
        yield


def tiny_vit(width: int) -> dict:
    return dict(type='mmkd.TimmClassifier', model_name='deit_tiny_patch16_224', num_classes=16, img_size=32,
                patch_size=8, embed_dim=width, depth=1, num_heads=2)


@pytest.fixture(scope='session')
def tiny_model():
    """``tiny_model(width)``: the model dict of the tiny pair's ViTs (student 16, teacher 32)."""
    return tiny_vit


@pytest.fixture(scope='session')
def cls_root(tmp_path_factory):
    """A pristine generated classification set; tests that damage data copy it (``data_copy``)."""
    from mmkd.datasets.embedded import generate_classification
    root = str(tmp_path_factory.mktemp('reliability') / 'shapes_cls')
    generate_classification(root, seed=0, num_train=32, num_val=16)
    return root


@pytest.fixture
def data_copy(cls_root, tmp_path):
    root = str(tmp_path / 'data')
    shutil.copytree(cls_root, root)
    return root


@pytest.fixture(scope='session')
def teacher_ckpt(tmp_path_factory):
    """A checkpoint of the tiny teacher (random weights), as a trained teacher's would be."""
    import torch

    from mmkd.models.builder import build_model
    torch.manual_seed(0)
    path = str(tmp_path_factory.mktemp('teacher') / 'teacher.pth')
    torch.save({'state_dict': build_model(tiny_vit(32), 'teacher').state_dict(), 'meta': {}}, path)
    return path


@pytest.fixture
def tiny_config(tmp_path, cls_root, teacher_ckpt):
    """Write the tiny distillation config (``extra`` lines appended) and return its path."""

    def write(extra: str = '', data_root: str = None, name: str = 'tiny_kd.py') -> str:
        root = data_root or cls_root
        base = str(tmp_path / f'base_{name}')
        with open(base, 'w') as f:
            f.write(f'''_base_ = [{KD_CFG!r}]
model = dict(student=dict(_delete_=True, **{tiny_vit(16)!r}),
             teacher=dict(_delete_=True, ckpt={teacher_ckpt!r}, **{tiny_vit(32)!r}))
data_root = {root!r}
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False, dataset=dict(data_root={root!r}))
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False, dataset=dict(data_root={root!r}))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = []
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
work_dir = {str(tmp_path / 'work')!r}
''')
        path = str(tmp_path / name)
        with open(path, 'w') as f:  # the case's own lines merge into the tiny config like a user's config
            f.write(f'_base_ = [{base!r}]\n' + extra)
        return path

    return write


@pytest.fixture(scope='session')
def trained(tmp_path_factory, cls_root, teacher_ckpt):
    """One finished tiny run: its work dir (epoch_1.pth, student_latest.pth, student_config.py), config."""
    from helpers import load_tool
    work = tmp_path_factory.mktemp('trained')
    cfg = str(work / 'tiny_kd.py')
    with open(cfg, 'w') as f:
        f.write(f'''_base_ = [{KD_CFG!r}]
model = dict(student=dict(_delete_=True, **{tiny_vit(16)!r}),
             teacher=dict(_delete_=True, ckpt={teacher_ckpt!r}, **{tiny_vit(32)!r}))
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False, dataset=dict(data_root={cls_root!r}))
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False, dataset=dict(data_root={cls_root!r}))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = []
''')
    work_dir = str(work / 'run')
    load_tool('train').main([cfg, '--work-dir', work_dir])
    return dict(work_dir=work_dir, config=cfg, ckpt=osp.join(work_dir, 'epoch_1.pth'))


# ---------------------------------------------------------------- the catalogue's assertion
#: (case id, error type, message) of every case run in this session; with MMKD_RELIABILITY_DOC=docs/reliability.md
#: the session rewrites that file's table from them (the doc shows the messages the tests saw)
CAUGHT = []
TMP_PATH = re.compile(r"/tmp/[^'\s]*?/(?=[^/'\s]+(?:'|\s|$|\)|,|:))")


def user_message(message: str) -> str:
    """The message as a user sees it: pytest's temporary folders shortened to ``.../``, argparse's
    program name (pytest's ``__main__.py`` here) written as ``TOOL``."""
    return TMP_PATH.sub('.../', message).replace('__main__.py: error:', 'TOOL: error:')


@pytest.fixture
def bad_input(request):
    """``with bad_input(ErrorType, 'culprit', ...):`` the block raises ``ErrorType`` whose
    message names every culprit; the case is recorded for the doc under the test's name."""

    @contextmanager
    def expect(error_type, *culprits):
        with pytest.raises(error_type) as info:
            yield info
        message = str(info.value.args[0]) if info.value.args else str(info.value)
        for culprit in culprits:
            assert culprit in message, f'{culprit!r} not named in: {message}'
        CAUGHT.append((case_id(request), info.type.__name__, user_message(message)))

    return expect


@pytest.fixture
def usage_error(request, capsys):
    """``with usage_error('culprit'):`` argparse refuses the command line (exit status 2) naming it."""

    @contextmanager
    def expect(*culprits):
        with pytest.raises(SystemExit) as info:
            yield info
        assert info.value.code == 2
        last = capsys.readouterr().err.strip().splitlines()[-1]
        for culprit in culprits:
            assert culprit in last, f'{culprit!r} not named in the last line: {last}'
        CAUGHT.append((case_id(request), 'usage error (exit 2)', user_message(last)))

    return expect


def case_id(request) -> str:
    return request.node.name[len('test_'):]


@pytest.fixture
def record_output(request):
    """Record a case whose outcome is a line of output, not an error (e.g. --resume starting fresh)."""
    return lambda line: CAUGHT.append((case_id(request), 'message (no error)', user_message(line)))


TABLE_START, TABLE_END = '<!-- catalogue:start -->', '<!-- catalogue:end -->'


def catalogue_table(caught) -> str:
    rows = ['| case (test) | error | what the user reads (last line) |', '|---|---|---|']
    for case, kind, message in sorted(caught):
        cell = message.replace('|', '\\|').replace('\n', ' ')
        rows.append(f'| `{case}` | {kind} | {cell} |')
    return '\n'.join(rows)


FAILED = []


def pytest_runtest_logreport(report):
    if report.failed:
        FAILED.append(report.nodeid)


def pytest_sessionfinish(session):
    target = os.environ.get('MMKD_RELIABILITY_DOC')
    if not target or not CAUGHT or any('test_reliability_doc' not in node for node in FAILED):
        return  # run the whole folder, all cases passing, to regenerate the table
    text = open(target).read()
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    with open(target, 'w') as f:
        f.write(text[:start] + '\n' + catalogue_table(CAUGHT) + '\n' + text[end:])
