"""The cache fingerprint covers a teacher's own view of the batch (its input transform)."""
from cache_toy import PIPELINE, build_toy

from mmkd.cache.fingerprint import algorithm_fingerprints, teacher_fingerprint
from mmkd.models.algorithms import RenormalizedInput, load_model_cfg


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
