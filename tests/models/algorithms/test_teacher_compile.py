"""teacher_compile: the frozen teacher's modules are compiled in place and give the eager features."""
import pytest
import torch

from mmkd.models.algorithms import SingleTeacherDistill
from mmkd.models.algorithms.teacher_compile import c_compiler
from helpers import toy_fitnet_distiller


def toy(teacher_compile=False, partial='auto', teacher_source='backbone'):
    torch.manual_seed(0)
    distiller = toy_fitnet_distiller(dict(feat=dict(type='ModuleOutputs', source=teacher_source)))
    return SingleTeacherDistill(student=dict(type='mmkd.ToyNet', width=4), teacher=dict(type='mmkd.ToyNet', width=8),
                                distiller=distiller, teacher_compile=teacher_compile,
                                teacher_partial_forward=partial).train()


def compiled(module):
    return getattr(module, '_compiled_call_impl', None) is not None


def run_steps(algo, inputs, labels, steps=3):
    return [algo(inputs, labels, mode='loss') for _ in range(steps)]


def assert_close(a, b, **tol):
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        for k in x:
            torch.testing.assert_close(x[k], y[k], **tol)


@pytest.mark.parametrize('partial, expected', [('auto', ['backbone']), (False, ['backbone', 'neck', 'head'])])
def test_compiled_modules_are_those_that_run_and_the_state_dict_keeps_its_names(toy_batch, partial, expected):
    inputs, labels = toy_batch
    algo, eager = toy(dict(backend='eager'), partial), toy(False, partial)
    keys = list(algo.state_dict())
    assert_close(run_steps(algo, inputs, labels), run_steps(eager, inputs, labels), rtol=0, atol=0)
    names = [name for name, module in algo.teacher.named_children() if compiled(module)]
    assert names == expected  # compiled after the first (eager, calibrating) step; skipped modules are not
    assert not any(compiled(module) for module in algo.student.modules())
    assert list(algo.state_dict()) == keys


@pytest.mark.slow
@pytest.mark.skipif(c_compiler() is None, reason='torch.compile (inductor) needs a C compiler on CPU; none found')
def test_inductor_compiled_teacher_gives_the_eager_features(toy_batch):
    """torch.compile with its default backend; fused kernels round differently: 1e-5 relative."""
    inputs, labels = toy_batch
    algo, eager = toy(True, False, 'neck'), toy(False, False, 'neck')
    for _ in range(2):
        with algo.distiller.recording(['teacher']), eager.distiller.recording(['teacher']):
            algo.run_teachers(inputs)
            eager.run_teachers(inputs)
            torch.testing.assert_close(algo.distiller.recorder_managers['teacher'].get('feat'),
                                       eager.distiller.recorder_managers['teacher'].get('feat'),
                                       rtol=1e-5, atol=1e-6)
    assert compiled(algo.teacher.neck)
    assert_close(run_steps(algo, inputs, labels, 1), run_steps(eager, inputs, labels, 1), rtol=1e-5, atol=1e-6)


def test_compile_needs_a_frozen_teacher():
    with pytest.raises(ValueError, match='teacher_compile need frozen teachers'):
        SingleTeacherDistill(student=dict(type='mmkd.ToyNet'), teacher=dict(type='mmkd.ToyNet'),
                             distiller=dict(type='ConfigurableDistiller'), teacher_trainable=True,
                             teacher_compile=True)
