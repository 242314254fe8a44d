"""NonFiniteLossHook on a toy model: the step with a NaN term stops (or is skipped) before
the weights change; a checkpoint with non-finite weights is refused."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub, MMLogger
from mmengine.optim import OptimWrapper

from mmkd.engine import NonFiniteLossError, NonFiniteLossHook
from mmkd.registry import MODELS


def toy_runner(nan_terms=('loss_cls',)):
    """A runner stand-in: the toy model, its optimizer wrapper, iteration 4, a message hub and logger."""
    ToyNet = MODELS.module_dict['ToyNet']  # registered by tests/conftest.py

    class NaNToy(ToyNet):
        poison = False

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = super().forward(inputs, data_samples, mode)
            if mode == 'loss':
                out['distill.loss_kd'] = out['loss_cls'] * 0.5
                if self.poison:
                    for term in nan_terms:
                        out[term] = out[term] * float('nan')
            return out

    torch.manual_seed(0)
    model = NaNToy(width=4)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    return SimpleNamespace(model=model, optim_wrapper=wrapper, iter=4, epoch=0,
                           message_hub=MessageHub.get_instance('test_non_finite_loss_hook'),
                           logger=MMLogger.get_instance('test_non_finite_loss_hook'))


def step(runner, toy_batch):
    inputs, labels = toy_batch
    return runner.model.train_step(dict(inputs=inputs, data_samples=labels), runner.optim_wrapper)


def weights(model):
    """The trained parameters (BatchNorm statistics move in any forward, skipped or not)."""
    return {k: v.detach().clone() for k, v in model.named_parameters()}


@pytest.mark.parametrize('term', ['loss_cls', 'distill.loss_kd'])
def test_stop_names_term_and_iteration_before_weights_change(toy_batch, term):
    runner = toy_runner((term,))
    NonFiniteLossHook().before_train(runner)
    step(runner, toy_batch)  # a finite step trains
    runner.model.poison = True
    before = weights(runner.model)
    with pytest.raises(NonFiniteLossError, match=rf'iteration 5 .*{term}=nan'):
        step(runner, toy_batch)
    after = weights(runner.model)
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_skip_drops_the_step_counts_it_and_trains_on(toy_batch):
    runner = toy_runner()
    hook = NonFiniteLossHook(action='skip', max_skips=2)
    hook.before_train(runner)
    runner.model.poison = True
    before = weights(runner.model)
    step(runner, toy_batch)
    assert hook.skips == 1 and runner.message_hub.get_scalar('train/nonfinite_skips').current() == 1
    assert all(torch.equal(before[k], v) for k, v in weights(runner.model).items())
    runner.model.poison = False
    step(runner, toy_batch)
    assert any(not torch.equal(before[k], v) for k, v in weights(runner.model).items())
    assert all(torch.isfinite(v).all() for v in runner.model.state_dict().values())
    runner.model.poison = True
    with pytest.raises(NonFiniteLossError, match='max_skips=2'):
        step(runner, toy_batch)


def test_checkpoint_with_non_finite_weights_is_refused():
    runner = toy_runner()
    state = runner.model.state_dict()
    state['head.weight'] = state['head.weight'] * float('inf')
    with pytest.raises(NonFiniteLossError, match="'head.weight'.*not written"):
        NonFiniteLossHook().before_save_checkpoint(runner, dict(state_dict=state))
    NonFiniteLossHook(check_checkpoints=False).before_save_checkpoint(runner, dict(state_dict=state))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="action must be 'stop' or 'skip'"):
        NonFiniteLossHook(action='ignore')
    with pytest.raises(ValueError, match='max_skips'):
        NonFiniteLossHook(action='skip', max_skips=0)
