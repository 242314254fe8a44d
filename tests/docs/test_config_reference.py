"""docs/config_reference.md names every registered recorder, connector, loss, distiller, teacher input
and hook of mmkd, and every argument of each, so a new class or argument without a line there fails."""
import inspect
import re
from pathlib import Path

import pytest

import mmkd.engine as engine
import mmkd.models.algorithms as algorithms
import mmkd.models.connectors as connectors
import mmkd.models.distillers as distillers
import mmkd.models.losses as losses
import mmkd.models.recorders as recorders
from mmkd.engine import LossWeightSchedule
from mmkd.cache import CachedTeacher

DOC = (Path(__file__).resolve().parents[2] / 'docs' / 'config_reference.md').read_text()
MODULES = [recorders, connectors, losses, distillers, algorithms, engine]


def documented_classes():
    found = []
    for module in MODULES:
        for name in getattr(module, '__all__', dir(module)):
            obj = getattr(module, name)
            if (inspect.isclass(obj) and obj.__module__.startswith('mmkd.') and not name.startswith('_')
                    and not issubclass(obj, BaseException)):  # errors are raised, not configured
                found.append(obj)
    return list(dict.fromkeys(found + [LossWeightSchedule, CachedTeacher]))


def arguments(cls):
    skip = {'self', 'init_cfg', 'runner', 'dataloader', 'evaluator'}
    return [n for n, p in inspect.signature(cls.__init__).parameters.items()
            if n not in skip and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def test_the_doc_covers_a_good_number_of_classes():
    assert len(documented_classes()) > 50


@pytest.mark.parametrize('cls', documented_classes(), ids=lambda c: c.__name__)
def test_class_and_arguments_are_in_the_reference(cls):
    if cls.__module__.startswith('mmkd.models.algorithms.') and cls.__name__ in ('MultiTeacherDistill',
                                                                                'SingleTeacherDistill'):
        pass  # documented as the algorithm table
    elif f'`{cls.__name__}`' not in DOC and not (cls.__name__ in DOC and 'Loss' in cls.__name__):
        pytest.fail(f'docs/config_reference.md does not name {cls.__module__}.{cls.__name__}')
    missing = [a for a in arguments(cls) if not re.search(rf'\b{a}\b', DOC)]
    assert not missing, f'docs/config_reference.md does not give {cls.__name__} arguments {missing}'
