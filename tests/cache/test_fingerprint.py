"""The cache fingerprints the teacher configs the algorithm hands it (without importing the models
package) and a teacher's own view of the batch (its input transform)."""
from types import SimpleNamespace

import pytest
from torch import nn

from cache_toy import PIPELINE, build_toy
from mmkd.cache.fingerprint import algorithm_fingerprints, teacher_fingerprint
from mmkd.models.algorithms import RenormalizedInput
from mmkd.models.builder import load_model_cfg


def test_teacher_print_is_that_of_the_config_the_teacher_was_built_from():
    algo = build_toy()
    prints = algorithm_fingerprints(algo, PIPELINE)
    assert set(prints) == {'pipeline', 'data_preprocessor', 'teacher.teacher'}
    cfg = load_model_cfg(algo.teacher_specs['teacher'], 'teacher')  # as the cache computed it before
    assert prints['teacher.teacher'] == teacher_fingerprint(cfg, algo.teacher, algo.teacher_forward_mode)


def test_an_algorithm_without_teacher_configs_is_named():
    algo = SimpleNamespace(teachers={'t': nn.Linear(1, 1)}, data_preprocessor=nn.Identity(),
                           teacher_forward_mode='tensor')
    with pytest.raises(AttributeError, match='SimpleNamespace has no teacher_model_cfgs'):
        algorithm_fingerprints(algo, PIPELINE)
    algo.teacher_model_cfgs = {}
    with pytest.raises(KeyError, match="no config of teacher 't'"):
        algorithm_fingerprints(algo, PIPELINE)


def fingerprint(mean=None):
    algo = build_toy()
    if mean is not None:
        algo.teacher_inputs['teacher'] = RenormalizedInput(student_mean=(0, 0, 0), student_std=(1, 1, 1),
                                                           mean=mean, std=(1, 1, 1))
    return algorithm_fingerprints(algo, PIPELINE)['teacher.teacher'], algo


def test_teacher_inputs_change_the_teacher_fingerprint():
    plain, algo = fingerprint()
    # the student's own batch (the default): the fingerprint of existing caches is unchanged
    assert plain == teacher_fingerprint(load_model_cfg(algo.teacher_specs['teacher'], 'teacher'), algo.teacher,
                                        algo.teacher_forward_mode)
    assert fingerprint((0, 0, 0))[0] != plain
    assert fingerprint((0, 0, 0))[0] == fingerprint((0, 0, 0))[0]
    assert fingerprint((0, 0, 0))[0] != fingerprint((5, 5, 5))[0]


def test_a_copy_of_the_student_batch_keeps_the_fingerprint():
    from mmkd.models.algorithms import ClonedInput
    plain, algo = fingerprint()
    algo.teacher_inputs['teacher'] = ClonedInput()
    assert algorithm_fingerprints(algo, PIPELINE)['teacher.teacher'] == plain


def test_a_teacher_precision_changes_the_fingerprint():
    """A cache written by a bf16 teacher holds other features than an fp32 one; the default keeps old prints."""
    from mmkd.models.algorithms.teacher_precision import TeacherPrecision
    plain, algo = fingerprint()
    prints = {}
    for precision in (None, 'fp32', 'bf16'):
        algo.teacher_precisions['teacher'] = TeacherPrecision(precision, 'teacher', force=True)
        prints[precision] = algorithm_fingerprints(algo, PIPELINE)['teacher.teacher']
    assert prints[None] == plain and len(set(prints.values())) == 3
