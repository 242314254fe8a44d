import pytest
from types import SimpleNamespace

from mmkd.engine import DistillLossWeightScheduleHook, LossWeightSchedule


def test_constant_warmup_and_stop():
    assert LossWeightSchedule(scale=3.0).factor(1000, 50) == 3.0
    warm = LossWeightSchedule(warmup=100)
    assert [warm.factor(i, 0) for i in (0, 25, 100, 400)] == [0.0, 0.25, 1.0, 1.0]
    stop = LossWeightSchedule(stop_at=8, by_epoch=True)
    assert stop.factor(10_000, 7) == 1.0 and stop.factor(10_000, 8) == 0.0
    with pytest.raises(ValueError):
        LossWeightSchedule(warmup=-1)


class FakeDistiller:
    losses = {'loss_cwd': None, 'loss_kd': None}

    def __init__(self):
        self.factors = {}

    def set_weight_factor(self, name, factor):
        self.factors[name] = factor


def test_hook_sets_factors_from_runner_position_so_resume_continues():
    distiller = FakeDistiller()
    runner = SimpleNamespace(model=SimpleNamespace(distiller=distiller), iter=30, epoch=2)
    hook = DistillLossWeightScheduleHook(dict(loss_cwd=dict(warmup=60), loss_kd=dict(stop_at=2, by_epoch=True)))
    hook.before_run(runner)
    hook.before_train_iter(runner, 0)
    assert distiller.factors == {'loss_cwd': 0.5, 'loss_kd': 0.0}


def test_hook_rejects_unknown_loss_names():
    runner = SimpleNamespace(model=SimpleNamespace(distiller=FakeDistiller()), iter=0, epoch=0)
    with pytest.raises(KeyError, match="loss_cdw"):
        DistillLossWeightScheduleHook(dict(loss_cdw=dict())).before_run(runner)
