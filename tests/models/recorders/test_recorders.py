import pytest
import torch
from torch import nn

from mmkd.models.recorders import MethodOutputs, ModuleInputs, ModuleOutputs, RecorderManager


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        self.head = nn.Linear(2, 1)

    def forward(self, xs):
        return [self.head(self.block(x)) for x in xs]

    def summarize(self, x):
        return x.sum()


def test_module_outputs_records_every_call_and_resets():
    model = Shared()
    manager = RecorderManager(model, dict(head=dict(type='ModuleOutputs', source='head'),
                                          first=dict(type='ModuleOutputs', source='head', record_idx=0)),
                              'student')
    xs = [torch.randn(1, 2), torch.randn(1, 2)]
    with manager.recording():
        outs = model(xs)
    recorded = manager.get('head')
    assert isinstance(recorded, tuple) and len(recorded) == 2
    assert torch.equal(recorded[1], outs[1])
    assert torch.equal(manager.get('first'), outs[0])
    with manager.recording():  # a new step starts from an empty buffer
        model(xs[:1])
    assert torch.equal(manager.get('head'), model.head(model.block(xs[0])))


def test_nothing_recorded_outside_recording_context():
    model = Shared()
    manager = RecorderManager(model, dict(head=dict(type='ModuleOutputs', source='head')), 'student')
    model([torch.randn(1, 2)])
    with pytest.raises(RuntimeError, match='recorded nothing'):
        manager.get('head')


def test_module_inputs_records_input():
    model = Shared()
    recorder = ModuleInputs('head')
    recorder.attach(model)
    recorder.start()
    x = torch.randn(1, 2)
    model([x])
    assert torch.equal(recorder.get_record_data(), model.block(x))


def test_wrong_path_lists_closest_valid_paths():
    with pytest.raises(KeyError) as err:
        RecorderManager(Shared(), dict(h=dict(type='ModuleOutputs', source='blok.0')), 'teacher')
    message = str(err.value)
    assert "recorder 'h' of the teacher" in message and "'blok.0'" in message
    assert 'block.0' in message


def test_method_outputs_wraps_instance_only_and_detaches():
    model, other = Shared(), Shared()
    recorder = MethodOutputs(':summarize')
    recorder.attach(model)
    recorder.start()
    x = torch.ones(3)
    assert model.summarize(x) == 3
    other.summarize(x)
    assert recorder.get_record_data() == 3 and len(recorder.data_buffer) == 1
    recorder.detach()
    assert 'summarize' not in vars(model)


def test_method_outputs_unknown_method_is_named():
    with pytest.raises(AttributeError, match="no method 'sumarize'"):
        MethodOutputs('sumarize').attach(Shared(), 'student')


def test_module_outputs_hook_removed_on_detach():
    model = Shared()
    recorder = ModuleOutputs('head')
    recorder.attach(model)
    recorder.detach()
    recorder.start()
    model([torch.randn(1, 2)])
    assert recorder.data_buffer == []
