"""Registries of mmkd, children of mmengine's root registries (scope ``mmkd``).

Being children of the root registries lets one config mix ``mmkd.``,
``mmdet.`` and ``mmseg.`` types: mmengine resolves a scoped type name such as
``mmdet.RetinaNet`` by searching the root's children for that scope.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMENGINE_MODELS, scope='mmkd', locations=['mmkd.models'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='mmkd', locations=['mmkd.datasets'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, scope='mmkd', locations=['mmkd.datasets'])
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='mmkd', locations=['mmkd.evaluation'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='mmkd', locations=['mmkd.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope='mmkd', locations=['mmkd.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope='mmkd', locations=['mmkd.engine'])
TASK_UTILS = Registry('task util', parent=MMENGINE_TASK_UTILS, scope='mmkd', locations=['mmkd.models'])


def scoped(cfg: dict, scope: str = 'mmkd') -> dict:
    """A copy of ``cfg`` whose unscoped ``type`` name is looked up in ``scope``.

    Configs write ``type='CWD'`` for mmkd's own modules; mmengine resolves a
    bare name in the *current* default scope, which is mmdet's or mmseg's
    when a distillation config imports their models. Prefixing ``mmkd.``
    makes the lookup independent of that. Scoped names (``mmdet.RetinaNet``)
    and non-string types (classes, functions) are left as they are.
    """
    cfg = dict(cfg)
    kind = cfg.get('type')
    if isinstance(kind, str) and '.' not in kind:
        cfg['type'] = f'{scope}.{kind}'
    return cfg
