import pytest
import torch

from mmkd.engine import CPUAutocastOptimWrapper
from mmkd.models.algorithms import SingleTeacherDistill


def build_algo():
    return SingleTeacherDistill(
        student=dict(type='mmkd.ToyNet', width=4), teacher=dict(type='mmkd.ToyNet', width=4),
        distiller=dict(type='ConfigurableDistiller',
                       student_recorders=dict(neck=dict(type='ModuleOutputs', source='neck')),
                       teacher_recorders=dict(neck=dict(type='ModuleOutputs', source='neck')),
                       losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=2.0)),
                       loss_inputs=dict(loss_cwd=dict(preds_S=('student', 'neck'), preds_T=('teacher', 'neck')))))


def train_steps(algo, wrapper, batch, steps=3):
    inputs, labels = batch
    history = []
    for _ in range(steps):
        with wrapper.optim_context(algo):
            losses = algo(inputs, labels, mode='loss')
        loss = sum(losses.values())
        wrapper.update_params(loss)
        history.append({k: v.item() for k, v in losses.items()})
    return history


def test_bf16_training_stays_finite_and_close_to_fp32(toy_batch):
    torch.manual_seed(0)
    algo = build_algo()
    state = {k: v.clone() for k, v in algo.state_dict().items()}
    bf16 = train_steps(algo, CPUAutocastOptimWrapper(torch.optim.SGD(algo.parameters(), lr=0.01)), toy_batch)
    algo.load_state_dict(state)
    from mmengine.optim import OptimWrapper
    fp32 = train_steps(algo, OptimWrapper(torch.optim.SGD(algo.parameters(), lr=0.01)), toy_batch)
    for a, b in zip(bf16, fp32):
        for key in b:
            assert torch.isfinite(torch.tensor(a[key]))
            assert a[key] == pytest.approx(b[key], rel=0.05, abs=1e-3)


def test_forward_runs_in_bf16_and_losses_cast_to_fp32(toy_batch):
    algo = build_algo()
    wrapper = CPUAutocastOptimWrapper(torch.optim.SGD(algo.parameters(), lr=0.01))
    inputs, labels = toy_batch
    with wrapper.optim_context(algo):
        assert algo.student._forward(inputs).dtype == torch.bfloat16
        losses = algo(inputs, labels, mode='loss')
    assert losses['distill.loss_cwd'].dtype == torch.float32  # temperature softmax/KL in fp32


def test_amp_flag_picks_the_cpu_wrapper(tmp_path):
    from helpers import REPO_ROOT, load_tool
    train = load_tool('train')
    config = str(REPO_ROOT / 'configs/detection/retinanet-r18-w8_adamw-12e_shapes-coco.py')
    cfg = train.build_cfg(train.parse_args([config, '--amp', '--work-dir', str(tmp_path)]))
    expected = 'AmpOptimWrapper' if torch.cuda.is_available() else 'mmkd.CPUAutocastOptimWrapper'
    assert cfg.optim_wrapper.type == expected
    assert cfg.optim_wrapper.dtype == ('float16' if torch.cuda.is_available() else 'bfloat16')
    cfg = train.build_cfg(train.parse_args([config, '--amp', '--amp-dtype', 'bfloat16', '--work-dir', str(tmp_path)]))
    assert cfg.optim_wrapper.type == expected and cfg.optim_wrapper.dtype == 'bfloat16'
    assert 'loss_scale' not in cfg.optim_wrapper  # bf16 needs no loss scaling
    with pytest.raises(ValueError, match='--amp-dtype needs --amp'):
        train.build_cfg(train.parse_args([config, '--amp-dtype', 'float16', '--work-dir', str(tmp_path)]))
    with pytest.raises(ValueError):
        CPUAutocastOptimWrapper(torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1), dtype='float32')
