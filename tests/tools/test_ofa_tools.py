"""tools/analysis/cka.py writes the CKA table and heatmap; run_ofa_grid.py plans the grid."""
import pytest
import torch

from helpers import REPO_ROOT, load_tool

PAIR_CONFIG = REPO_ROOT / 'configs/ofa_kd/ofa-kd_branches_swin-w48_resnet18-w32_adamw-10e_shapes-cls.py'


def test_cka_tool(tmp_path, capsys):
    from mmkd.datasets import generate_classification
    from mmkd.engine import student_checkpoint
    from mmkd.models.builder import build_model
    data_root = tmp_path / 'cls'
    generate_classification(str(data_root), num_train=16, num_val=32)
    # a student checkpoint as StudentCheckpointHook writes it, and a full distillation
    # checkpoint for the teacher (its 'teachers.teacher.' weights are picked out)
    torch.manual_seed(0)
    from mmengine.config import Config
    cfg = Config.fromfile(str(PAIR_CONFIG))
    student = build_model(dict(cfg.model.student), 'student')
    teacher = build_model(dict(cfg.model.teacher, ckpt=None), 'teacher')
    torch.save(student_checkpoint(dict(state_dict={f'student.{k}': v for k, v in student.state_dict().items()},
                                       meta={})), tmp_path / 'student.pth')
    torch.save(dict(state_dict={f'teachers.teacher.{k}': v for k, v in teacher.state_dict().items()}),
               tmp_path / 'distill.pth')
    out = tmp_path / 'cka.png'
    matrix = load_tool('analysis/cka').main([str(PAIR_CONFIG), '--teacher-ckpt', str(tmp_path / 'distill.pth'),
                                    '--student-ckpt', str(tmp_path / 'student.pth'), '--data-root', str(data_root),
                                    '--num-batches', '1', '--out', str(out)])
    assert matrix.shape == (4, 4) and ((matrix >= 0) & (matrix <= 1 + 1e-6)).all()
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    text = capsys.readouterr().out
    assert 'linear CKA on 32 val images' in text and 'T4 layers.3' in text and 'S1 layer1' in text


def test_grid_plan(capsys):
    grid = load_tool('analysis/run_ofa_grid')
    grid.main(['--dry-run'])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('34 runs')  # 2 teachers x 2 seeds + 3 pairs x 5 students x 2 seeds
    ofa = [line for line in lines if 'resnet18_deit-e64-d4 OFA seed 1' in line]
    assert len(ofa) == 1 and 'resnet18_adamw-30e_shapes-cls/seed1/epoch_30.pth' in ofa[0]
    for config in {line.split(': ')[1].split(' -> ')[0] for line in lines[1:]}:
        assert (REPO_ROOT / config).is_file(), config


def test_grid_plan_of_the_token_students_on_30_epochs(capsys):
    grid = load_tool('analysis/run_ofa_grid')
    grid.main(['--epochs', '30', '--dry-run'])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('22 runs')  # the ResNet-18 teacher x 2 seeds + 2 token pairs x 5 students x 2 seeds
    students = [line for line in lines[1:] if 'resnet18_adamw-30e_shapes-cls seed' not in line]
    assert len(students) == 20
    for line in students:
        config = line.split(': ')[1].split(' -> ')[0]
        assert config.endswith('_adamw-30e_shapes-cls.py') and (REPO_ROOT / config).is_file(), config
        assert 'work_dirs/ofa_grid_30e/' in line
    with pytest.raises(SystemExit, match='no 30-epoch configs for swin-w48_resnet18-w32'):
        grid.main(['--epochs', '30', '--pairs', 'swin-w48_resnet18-w32', '--dry-run'])


def test_30_epoch_configs_change_only_the_schedule():
    from mmengine.config import Config
    for ten in sorted(REPO_ROOT.glob('configs/*/*_resnet18_*-e*_adamw-10e_shapes-cls.py')) + \
            [REPO_ROOT / f'configs/classification/{s}_adamw-10e_shapes-cls.py' for s in ('deit-e64-d4', 'resmlp-e96-b4')]:
        short, long = Config.fromfile(str(ten)), Config.fromfile(str(ten).replace('-10e_', '-30e_'))
        assert long.train_cfg.max_epochs == 30 and long.train_cfg.val_interval == 30
        assert long.param_scheduler[0] == short.param_scheduler[0]  # the same warm-up
        assert long.param_scheduler[1].end == long.param_scheduler[1].T_max == 30
        for key in ('model', 'train_dataloader', 'optim_wrapper', 'custom_hooks'):
            assert long.get(key) == short.get(key), (ten.name, key)
