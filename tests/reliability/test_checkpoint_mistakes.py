"""Catalogue: wrong checkpoint files given to training (teacher, student, --resume),
tools/test.py, tools/export_student.py and the image demo.

The bad files are what users really end up with: a path with a typo, a copy
cut short, a text file (an HTML error page, a git-lfs pointer), a checkpoint of
another model. Each error names the file and says what is wrong with it.
"""
import os
import os.path as osp

import pytest
import torch

from helpers import ROOT, load_script, load_tool

pytest.importorskip('timm')


def truncated_copy(src, dst):
    data = open(src, 'rb').read()
    with open(dst, 'wb') as f:
        f.write(data[:len(data) // 2])
    return str(dst)


def text_file(dst, text='version https://git-lfs.github.com/spec/v1\noid sha256:0123\n'):
    with open(dst, 'w') as f:
        f.write(text)
    return str(dst)


class TrainingState:
    """An arbitrary object pickled into a checkpoint (as some training scripts do)."""


@pytest.fixture(scope='module')
def train():
    return load_tool('train').main


# ------------------------------------------------------------------ teacher and student checkpoints
def test_teacher_checkpoint_missing(train, tiny_config, tmp_path, bad_input):
    with bad_input(FileNotFoundError, 'model.teacher.ckpt', 'nope.pth'):
        train([tiny_config(), '--cfg-options', f'model.teacher.ckpt={tmp_path / "nope.pth"}'])


def test_teacher_checkpoint_truncated(train, tiny_config, teacher_ckpt, tmp_path, bad_input):
    bad = truncated_copy(teacher_ckpt, tmp_path / 'half.pth')
    with bad_input(RuntimeError, 'model.teacher.ckpt', 'half.pth', 'truncated'):
        train([tiny_config(), '--cfg-options', f'model.teacher.ckpt={bad}'])


def test_teacher_checkpoint_text_file(train, tiny_config, tmp_path, bad_input):
    bad = text_file(tmp_path / 'teacher.pth')
    with bad_input(RuntimeError, 'model.teacher.ckpt', 'teacher.pth', 'not a checkpoint', 'text file'):
        train([tiny_config(), '--cfg-options', f'model.teacher.ckpt={bad}'])
    from mmkd.utils.checkpoint import read_checkpoint
    with pytest.raises(RuntimeError) as info:  # never torch's advice to turn safe loading off
        read_checkpoint(bad)
    assert 'weights_only=False' not in str(info.value)


def test_teacher_checkpoint_other_architecture(train, tiny_config, tiny_model, tmp_path, bad_input):
    """The student's weights (width 16) given as the teacher's (width 32)."""
    from mmkd.models.builder import build_model
    path = str(tmp_path / 'student_weights.pth')
    torch.save({'state_dict': build_model(tiny_model(16), 'student').state_dict()}, path)
    with bad_input(KeyError, "teacher 'teacher' checkpoint", 'student_weights.pth', 'does not match',
                   'shape mismatches'):
        train([tiny_config(), '--cfg-options', f'model.teacher.ckpt={path}'])


def test_student_checkpoint_empty_file(train, tiny_config, tmp_path, bad_input):
    bad = tmp_path / 'student.pth'
    bad.write_bytes(b'')
    with bad_input(RuntimeError, 'model.student.ckpt', 'student.pth', 'empty'):
        train([tiny_config(), '--cfg-options', f'model.student.ckpt={bad}'])


def test_pretrained_init_cfg_text_file(train, tiny_config, tmp_path, bad_input):
    """An mmengine ``init_cfg=dict(type='Pretrained')`` is checked before training too."""
    bad = text_file(tmp_path / 'backbone.pth', '<html>404 Not Found</html>')
    with bad_input(RuntimeError, 'model.student.init_cfg.checkpoint', 'backbone.pth', 'not a checkpoint'):
        train([tiny_config(), '--cfg-options', 'model.student.init_cfg.type=Pretrained',
               f'model.student.init_cfg.checkpoint={bad}'])


def test_checkpoint_with_pickled_objects(train, tiny_config, teacher_ckpt, tmp_path, bad_input):
    """A checkpoint pickling arbitrary objects is refused by the safe load, naming the object."""
    path = str(tmp_path / 'pickled.pth')
    torch.save({**torch.load(teacher_ckpt), 'extra': TrainingState()}, path)
    with bad_input(RuntimeError, 'pickled.pth', 'TrainingState', 'weights_only'):
        train([tiny_config(), '--cfg-options', f'model.teacher.ckpt={path}'])


# ------------------------------------------------------------------ --resume
def test_resume_with_nothing_to_resume_starts_fresh(tiny_config, tmp_path, capsys, record_output):
    """Plain --resume in an empty work dir: a line says it starts fresh (mmengine says nothing)."""
    tool = load_tool('train')
    cfg = tool.build_cfg(tool.parse_args([tiny_config(), '--resume', '--work-dir', str(tmp_path / 'empty')]))
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert 'starting fresh' in line and 'empty' in line
    assert cfg.resume is False and cfg.load_from is None
    record_output(line)


def test_resume_strict_with_nothing_to_resume(train, tiny_config, tmp_path, bad_input):
    with bad_input(FileNotFoundError, '--resume strict', 'empty', 'nothing to resume'):
        train([tiny_config(), '--resume', 'strict', '--work-dir', str(tmp_path / 'empty')])


def test_resume_truncated_checkpoint(train, tiny_config, trained, tmp_path, bad_input):
    bad = truncated_copy(trained['ckpt'], tmp_path / 'epoch_1.pth')
    with bad_input(RuntimeError, '--resume checkpoint', 'epoch_1.pth', 'truncated'):
        train([tiny_config(), '--resume', bad])


def test_resume_last_checkpoint_names_missing_file(train, tiny_config, tmp_path, bad_input):
    work = tmp_path / 'work_moved'
    work.mkdir()
    (work / 'last_checkpoint').write_text(str(tmp_path / 'gone' / 'epoch_3.pth'))
    with bad_input(FileNotFoundError, 'last_checkpoint', 'epoch_3.pth', 'does not exist'):
        train([tiny_config(), '--resume', '--work-dir', str(work)])


def test_resume_text_file(train, tiny_config, tmp_path, bad_input):
    bad = text_file(tmp_path / 'latest.pth')
    with bad_input(RuntimeError, '--resume checkpoint', 'latest.pth', 'not a checkpoint'):
        train([tiny_config(), '--resume', bad])


# ------------------------------------------------------------------ tools/test.py
@pytest.fixture(scope='module')
def test_tool():
    return load_tool('test').main


def test_test_checkpoint_missing(test_tool, trained, tmp_path, bad_input):
    with bad_input(FileNotFoundError, 'checkpoint', 'epoch_9.pth'):
        test_tool([trained['config'], str(tmp_path / 'epoch_9.pth')])


def test_test_checkpoint_truncated(test_tool, trained, tmp_path, bad_input):
    bad = truncated_copy(trained['ckpt'], tmp_path / 'epoch_1.pth')
    with bad_input(RuntimeError, 'epoch_1.pth', 'truncated'):
        test_tool([trained['config'], bad])


def test_test_checkpoint_other_architecture(test_tool, trained, teacher_ckpt, tmp_path, bad_input):
    """The teacher's own checkpoint given for the distillation config: refused with the keys that differ."""
    with bad_input(KeyError, 'teacher.pth', 'does not match', 'missing keys', 'unexpected keys'):
        test_tool([trained['config'], teacher_ckpt, '--work-dir', str(tmp_path / 'test')])


# ------------------------------------------------------------------ tools/export_student.py
def test_export_checkpoint_without_student(trained, teacher_ckpt, tmp_path, bad_input):
    """A teacher checkpoint is no distillation checkpoint: no ``student.`` weights."""
    with bad_input(KeyError, 'teacher.pth', 'student.'):
        load_tool('export_student').main([teacher_ckpt, str(tmp_path / 'out' / 'student.pth')])


def test_export_text_file(tmp_path, bad_input):
    bad = text_file(tmp_path / 'epoch_12.pth')
    with bad_input(RuntimeError, 'epoch_12.pth', 'not a checkpoint'):
        load_tool('export_student').main([bad, str(tmp_path / 'out' / 'student.pth')])


# ------------------------------------------------------------------ the image demo (mmdet)
DET_STUDENT = osp.join(ROOT, 'configs/detection/retinanet-r18-w8_adamw-12e_shapes-coco.py')
DET_TEACHER = osp.join(ROOT, 'configs/detection/retinanet-r50-w16_adamw-12e_shapes-coco.py')


@pytest.fixture(scope='module')
def demo():
    pytest.importorskip('mmdet')
    return load_script('demo/image_demo.py')


def test_demo_checkpoint_other_architecture(demo, tmp_path, bad_input):
    """The teacher's (ResNet-50, width 16) checkpoint with the student's config: no boxes from
    random weights, an error with the keys that differ."""
    from mmdet.apis import init_detector
    path = str(tmp_path / 'r50_teacher.pth')
    torch.save({'state_dict': init_detector(DET_TEACHER, None, device='cpu').state_dict()}, path)
    image = osp.join(ROOT, 'demo', 'shapes_on_photo.jpg')
    with bad_input(KeyError, 'r50_teacher.pth', 'does not match', 'retinanet-r18-w8'):
        demo.main([image, DET_STUDENT, path, '--out', str(tmp_path / 'out.png')])
    assert not os.path.exists(tmp_path / 'out.png')


def test_demo_checkpoint_text_file(demo, tmp_path, bad_input):
    bad = text_file(tmp_path / 'student_latest.pth')
    image = osp.join(ROOT, 'demo', 'shapes_on_photo.jpg')
    with bad_input(RuntimeError, 'student_latest.pth', 'not a checkpoint'):
        demo.main([image, DET_STUDENT, bad, '--out', str(tmp_path / 'out.png')])


# ------------------------------------------------------------------ the SAM prompt demo
@pytest.fixture
def sam_files(tmp_path):
    pytest.importorskip('segment_anything')
    import numpy as np
    from PIL import Image

    from helpers import TINY_SAM
    config = tmp_path / 'sam.py'
    config.write_text(f'model = {dict(type="mmkd.build_sam", **TINY_SAM)!r}\n')
    image = tmp_path / 'image.png'
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(image)
    return dict(config=str(config), image=str(image), demo=load_script('demo/sam_prompt_demo.py'))


def test_sam_demo_checkpoint_text_file(sam_files, tmp_path, bad_input):
    bad = text_file(tmp_path / 'sam_epoch_8.pth')
    with bad_input(RuntimeError, 'sam_epoch_8.pth', 'not a checkpoint'):
        sam_files['demo'].main([sam_files['image'], sam_files['config'], bad, '--point', '8', '8',
                                '--out', str(tmp_path / 'out.png'), '--device', 'cpu'])


def test_sam_demo_checkpoint_other_model(sam_files, teacher_ckpt, bad_input):
    """A classifier's checkpoint given to the SAM demo: no SAM weights in it, named."""
    with bad_input(KeyError, 'teacher.pth', 'no SAM weights'):
        sam_files['demo'].main([sam_files['image'], sam_files['config'], teacher_ckpt, '--point', '8', '8',
                                '--device', 'cpu'])
